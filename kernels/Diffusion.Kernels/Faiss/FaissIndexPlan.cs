namespace Diffusion.Kernels.Faiss;

/// <summary>What <see cref="FaissIndexChooser"/> picked: a factory string and, for HNSW, the efSearch to set.</summary>
public sealed record FaissIndexPlan(string Factory, int? HnswEfSearch)
{
    public bool IsExact => HnswEfSearch is null;
}
