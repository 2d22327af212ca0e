using Diffusion.CacheStore;

namespace Diffusion.CacheStore.Tests.Format;

public sealed class OptionsTests
{
    [Theory]
    [InlineData("2GB", 2L << 30)]
    [InlineData("512MB", 512L << 20)]
    [InlineData("100KB", 100L << 10)]
    [InlineData("100 kb", 100L << 10)]
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("4096", 4096)]
    [InlineData("10B", 10)]
    [InlineData("0", 0)]
    public void Sizes_parse(string text, long bytes) => Assert.Equal(bytes, ByteSize.Parse(text).Bytes);

    [Theory]
    [InlineData("-5MB", "negative")]
    [InlineData("lots", "not a number")]
    [InlineData("5XB", "not a number")]
    [InlineData("", "empty")]
    [InlineData("99999999999TB", "too large")]
    public void Bad_sizes_get_clear_errors(string text, string expected) =>
        Assert.Contains(expected, Assert.Throws<FormatException>(() => ByteSize.Parse(text)).Message);

    [Fact]
    public void Sizes_print_in_the_largest_whole_unit_and_convert_from_configuration_strings()
    {
        Assert.Equal("2GB", ByteSize.Parse("2GB").ToString());
        Assert.Equal("1536KB", ByteSize.Parse("1.5MB").ToString());
        var converter = System.ComponentModel.TypeDescriptor.GetConverter(typeof(ByteSize));
        Assert.Equal(new ByteSize(512L << 20), converter.ConvertFromInvariantString("512MB"));
    }

    [Fact]
    public void Default_options_are_valid() => new CacheStoreOptions().Validate();

    [Fact]
    public void A_zero_budget_is_rejected() =>
        Assert.Contains("positive budget", Assert.Throws<ArgumentException>(() => new CacheStoreOptions { MaxBytes = ByteSize.Parse("0") }.Validate()).Message);

    [Fact]
    public void A_budget_smaller_than_one_latent_is_rejected()
    {
        var options = new CacheStoreOptions { MaxBytes = ByteSize.Parse("100KB"), MaxLatentElements = 4 * 128 * 128 };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("smaller than one latent file", error.Message);
        (options with { MaxLatentElements = 4 * 64 * 64 }).Validate();
    }

    [Fact]
    public void Every_problem_is_named_at_once()
    {
        var options = new CacheStoreOptions { WriteQueueCapacity = 0, EvictionPolicy = "random", GracePeriod = TimeSpan.FromSeconds(-1) };
        var message = Assert.Throws<ArgumentException>(options.Validate).Message;
        Assert.Contains("WriteQueueCapacity", message);
        Assert.Contains("random", message);
        Assert.Contains("GracePeriod", message);
    }
}
