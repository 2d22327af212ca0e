using System.Globalization;
using Diffusion.Cli.Commands;

namespace Diffusion.Server.Tests.Cli;

public sealed class NumberListTests
{
    [Fact]
    public void Reads_numbers_in_the_invariant_culture_whatever_the_machine_locale()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE"); // where "1,5" would be one and a half
            Assert.Equal([0.5, 1, 1.25], NumberList.Parse<double>(" 0.5, 1 ,1.25,", "--loads"));
            Assert.Equal([0f, 0.5f], NumberList.Parse<float>("0,0.5", "--strengths"));
            Assert.Equal([1000, 20000], NumberList.Parse<int>("1000,20000", "--entries"));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Theory]
    [InlineData("0.5,x", "--loads takes comma-separated numbers: 'x' is not a number", typeof(double))]
    [InlineData("", "one or more", typeof(double))]
    [InlineData(" , ", "one or more", typeof(float))]
    [InlineData("100,2.5", "'2.5' is not a whole number", typeof(int))]
    [InlineData("1e12", "'1e12' is not a whole number", typeof(int))]
    public void A_bad_item_is_named_with_its_option(string list, string expected, Type kind)
    {
        Action parse = kind == typeof(int) ? () => NumberList.Parse<int>(list, "--entries")
            : kind == typeof(float) ? () => NumberList.Parse<float>(list, "--strengths")
            : () => NumberList.Parse<double>(list, "--loads");
        var error = Assert.Throws<FormatException>(parse);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
