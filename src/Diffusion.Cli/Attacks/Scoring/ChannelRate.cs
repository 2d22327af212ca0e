namespace Diffusion.Cli.Attacks.Scoring;

/// <summary>A covert channel's capacity in use: information per symbol times symbols per hour.</summary>
public static class ChannelRate
{
    /// <param name="bitsPerSymbol">Mutual information between sent and decoded bits, per symbol.</param>
    /// <param name="secondsPerSymbol">Wall time one symbol's exchange takes (sender's request and receiver's probe).</param>
    public static double BitsPerHour(double bitsPerSymbol, double secondsPerSymbol)
    {
        if (!double.IsFinite(bitsPerSymbol) || bitsPerSymbol < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bitsPerSymbol), bitsPerSymbol, "information per symbol must be finite and not negative.");
        }
        if (!double.IsFinite(secondsPerSymbol) || secondsPerSymbol <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(secondsPerSymbol), secondsPerSymbol, "a symbol takes a positive, finite time.");
        }
        return bitsPerSymbol * SymbolsPerHour(secondsPerSymbol);
    }

    public static double SymbolsPerHour(double secondsPerSymbol) => 3600.0 / secondsPerSymbol;
}
