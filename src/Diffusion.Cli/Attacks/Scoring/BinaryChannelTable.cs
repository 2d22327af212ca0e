namespace Diffusion.Cli.Attacks.Scoring;

/// <summary>
/// The 2×2 table of a binary channel: how often each sent bit was decoded as 0 or 1. Immutable; <see cref="Add"/>
/// returns a new table.
/// </summary>
public sealed record BinaryChannelTable(int Sent0Decoded0, int Sent0Decoded1, int Sent1Decoded0, int Sent1Decoded1)
{
    public static BinaryChannelTable Empty { get; } = new(0, 0, 0, 0);

    public int Symbols => Sent0Decoded0 + Sent0Decoded1 + Sent1Decoded0 + Sent1Decoded1;

    public int Errors => Sent0Decoded1 + Sent1Decoded0;

    public double ErrorRate => Symbols == 0 ? double.NaN : (double)Errors / Symbols;

    public BinaryChannelTable Add(bool sent, bool decoded) => (sent, decoded) switch
    {
        (false, false) => this with { Sent0Decoded0 = Sent0Decoded0 + 1 },
        (false, true) => this with { Sent0Decoded1 = Sent0Decoded1 + 1 },
        (true, false) => this with { Sent1Decoded0 = Sent1Decoded0 + 1 },
        (true, true) => this with { Sent1Decoded1 = Sent1Decoded1 + 1 },
    };

    /// <summary>
    /// Mutual information between sent and decoded bits, in bits per symbol, from the table's frequencies (the
    /// plug-in estimate). Exactly 0 when every decoded bit (or every sent bit) is the same: nothing is learned.
    /// The plug-in estimate is biased upwards on few symbols (about 1/(2n ln 2) bits for independent bits), so
    /// read it with <see cref="FisherExactPValue"/> and <see cref="MutualInformationAboveChance"/>.
    /// </summary>
    public double MutualInformationBits()
    {
        if (Sent0Decoded0 < 0 || Sent0Decoded1 < 0 || Sent1Decoded0 < 0 || Sent1Decoded1 < 0)
        {
            throw new InvalidOperationException("a channel table cannot hold negative counts.");
        }
        double n = Symbols;
        var sent1 = Sent1Decoded0 + Sent1Decoded1;
        var decoded1 = Sent0Decoded1 + Sent1Decoded1;
        if (n == 0 || sent1 == 0 || sent1 == n || decoded1 == 0 || decoded1 == n)
        {
            return 0.0;
        }
        double[] rows = [n - sent1, sent1];
        double[] columns = [n - decoded1, decoded1];
        int[,] cells = { { Sent0Decoded0, Sent0Decoded1 }, { Sent1Decoded0, Sent1Decoded1 } };
        var information = 0.0;
        for (var x = 0; x < 2; x++)
        {
            for (var y = 0; y < 2; y++)
            {
                if (cells[x, y] == 0)
                {
                    continue;
                }
                var joint = cells[x, y] / n;
                information += joint * Math.Log2(cells[x, y] * n / (rows[x] * columns[y]));
            }
        }
        // Rounding can leave -1e-17 for independent counts; information is never negative.
        return Math.Max(0.0, information);
    }

    /// <summary>
    /// What the plug-in estimate averages when decoding is independent of sending, with this table's margins (how many
    /// ones were sent and decoded): the sum over the hypergeometric distribution of the tables those margins allow.
    /// The estimate minus this is the information the table shows beyond what noise alone would give.
    /// </summary>
    public double MutualInformationUnderIndependence()
    {
        var rowTop = Sent0Decoded0 + Sent0Decoded1;
        var columnLeft = Sent0Decoded0 + Sent1Decoded0;
        var n = Symbols;
        if (n == 0)
        {
            return 0.0;
        }
        var expected = 0.0;
        for (var a = Math.Max(0, rowTop + columnLeft - n); a <= Math.Min(rowTop, columnLeft); a++)
        {
            var table = new BinaryChannelTable(a, rowTop - a, columnLeft - a, n - rowTop - columnLeft + a);
            expected += Math.Exp(LogHypergeometric(a, rowTop, columnLeft, n)) * table.MutualInformationBits();
        }
        return expected;
    }

    /// <summary>The plug-in estimate less its expectation under independence, floored at 0.</summary>
    public double MutualInformationAboveChance() => Math.Max(0.0, MutualInformationBits() - MutualInformationUnderIndependence());

    /// <summary>
    /// Two-sided p-value of Fisher's exact test of independence between sent and decoded bits: the chance that
    /// bits decoded independently of what was sent give a table at most as likely as this one (margins fixed).
    /// </summary>
    public double FisherExactPValue()
    {
        var rowTop = Sent0Decoded0 + Sent0Decoded1;
        var columnLeft = Sent0Decoded0 + Sent1Decoded0;
        var n = Symbols;
        if (n == 0)
        {
            return 1.0;
        }
        var observed = LogHypergeometric(Sent0Decoded0, rowTop, columnLeft, n);
        var low = Math.Max(0, rowTop + columnLeft - n);
        var high = Math.Min(rowTop, columnLeft);
        var p = 0.0;
        for (var a = low; a <= high; a++)
        {
            var log = LogHypergeometric(a, rowTop, columnLeft, n);
            // relative tolerance as R's fisher.test, so ties in probability count as "as extreme"
            if (log <= observed + 1e-7)
            {
                p += Math.Exp(log);
            }
        }
        return Math.Min(1.0, p);
    }

    private static double LogHypergeometric(int a, int rowTop, int columnLeft, int n) =>
        LogChoose(rowTop, a) + LogChoose(n - rowTop, columnLeft - a) - LogChoose(n, columnLeft);

    private static double LogChoose(int n, int k) => LogFactorial(n) - LogFactorial(k) - LogFactorial(n - k);

    private static double LogFactorial(int n)
    {
        var sum = 0.0;
        for (var i = 2; i <= n; i++)
        {
            sum += Math.Log(i);
        }
        return sum;
    }
}
