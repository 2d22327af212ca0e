namespace Diffusion.Kernels.Faiss;

/// <summary>Options of <see cref="FaissIndexChooser"/>; <see cref="Validate"/> runs in its constructor.</summary>
public sealed record FaissIndexChooserOptions
{
    /// <summary>Up to this many vectors an exact Flat index is used: at 20k x 512 floats a brute-force
    /// query reads about 40 MB, a few milliseconds, and is exact.</summary>
    public long ExactSearchLimit { get; init; } = 20_000;

    /// <summary>HNSW graph degree M (the number in "HNSW32").</summary>
    public int HnswNeighbors { get; init; } = 32;

    /// <summary>HNSW efSearch set on indexes the chooser creates; 128 keeps recall@10 above 0.95 in the tests.</summary>
    public int HnswEfSearch { get; init; } = 128;

    public void Validate()
    {
        if (ExactSearchLimit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ExactSearchLimit), ExactSearchLimit, "must not be negative");
        }

        if (HnswNeighbors is < 4 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(HnswNeighbors), HnswNeighbors, "must be between 4 and 256");
        }

        if (HnswEfSearch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(HnswEfSearch), HnswEfSearch, "must be positive");
        }
    }
}
