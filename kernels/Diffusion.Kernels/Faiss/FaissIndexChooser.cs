namespace Diffusion.Kernels.Faiss;

/// <summary>
/// Picks an index kind by the number of vectors expected: exact "Flat" up to
/// <see cref="FaissIndexChooserOptions.ExactSearchLimit"/>, "HNSW{M}" above. Both search without training
/// and support removal. It only maps a size to a plan; when to rebuild with a new plan is the caller's policy.
/// </summary>
public sealed class FaissIndexChooser
{
    private readonly FaissIndexChooserOptions options;

    public FaissIndexChooser(FaissIndexChooserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
    }

    public FaissIndexPlan Choose(long expectedCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedCount);
        return expectedCount <= options.ExactSearchLimit
            ? new FaissIndexPlan("Flat", null)
            : new FaissIndexPlan($"HNSW{options.HnswNeighbors}", options.HnswEfSearch);
    }

    /// <summary>Creates an empty index following <see cref="Choose"/>.</summary>
    public FaissIndex Create(long expectedCount, int dimension, FaissMetric metric)
    {
        var plan = Choose(expectedCount);
        var index = FaissIndex.Create(plan.Factory, dimension, metric);
        var configured = false;
        try
        {
            if (plan.HnswEfSearch is { } efSearch)
            {
                index.SetHnswEfSearch(efSearch);
            }

            configured = true;
            return index;
        }
        finally
        {
            if (!configured)
            {
                index.Dispose();
            }
        }
    }
}
