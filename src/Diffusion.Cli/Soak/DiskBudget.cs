namespace Diffusion.Cli.Soak;

/// <summary>
/// The store's bytes against its budget (<c>--cache-size</c>), sampled once a second: the report's
/// <c>disk_over_budget_bytes</c> is the largest sample minus the budget, never below 0.
/// </summary>
public sealed class DiskBudget(long budgetBytes)
{
    private long maxBytes;
    private int samples;

    public long BudgetBytes { get; } = budgetBytes >= 0 ? budgetBytes : throw new ArgumentOutOfRangeException(nameof(budgetBytes));

    public long MaxBytes => Interlocked.Read(ref maxBytes);

    public int Samples => Volatile.Read(ref samples);

    public long OverBudgetBytes => OverBudget(MaxBytes, BudgetBytes);

    public void Observe(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Increment(ref samples);
        long seen;
        while (bytes > (seen = Interlocked.Read(ref maxBytes)) && Interlocked.CompareExchange(ref maxBytes, bytes, seen) != seen)
        {
            // another sampler raised the maximum meanwhile; compare again
        }
    }

    public static long OverBudget(long bytes, long budget) => Math.Max(0, bytes - budget);

    public static long OverBudget(IEnumerable<long> samples, long budget) => OverBudget(samples.DefaultIfEmpty(0).Max(), budget);

    /// <summary>Bytes of all files under <paramref name="directory"/> (their lengths, as the budget counts them); 0 when it does not exist.</summary>
    public static long DirectoryBytes(string directory)
    {
        if (!Directory.Exists(directory)) return 0;
        long total = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        try
        {
            foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", options))
            {
                try { total += file.Length; }
                catch (FileNotFoundException) { /* deleted between listing and reading: not there any more */ }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // removed while listing (the store's temporary files come and go)
        }
        return total;
    }
}
