using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Server.Tests.Attacks;

public sealed class ChannelRateTests
{
    [Fact]
    public void Bits_per_hour_are_bits_per_symbol_times_symbols_per_hour()
    {
        Assert.Equal(1800.0, ChannelRate.BitsPerHour(1.0, 2.0), 9);
        Assert.Equal(450.0, ChannelRate.BitsPerHour(0.25, 2.0), 9);
        Assert.Equal(0.0, ChannelRate.BitsPerHour(0.0, 1.5));
        Assert.Equal(2400.0, ChannelRate.SymbolsPerHour(1.5), 9);
    }

    [Theory]
    [InlineData(-0.1, 1.0)]
    [InlineData(double.NaN, 1.0)]
    [InlineData(0.5, 0.0)]
    [InlineData(0.5, -1.0)]
    [InlineData(0.5, double.PositiveInfinity)]
    public void Meaningless_inputs_are_refused(double bitsPerSymbol, double secondsPerSymbol)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ChannelRate.BitsPerHour(bitsPerSymbol, secondsPerSymbol));
    }
}
