using Diffusion.CacheStore;

namespace Diffusion.Cache.Index;

/// <summary>
/// One FAISS index: a retrieval mode, a tenant (lookups never cross tenants) and an embedding width
/// (entries of models with another CLIP width can share a store but never a search).
/// </summary>
public readonly record struct IndexPartition(RetrievalMode Mode, TenantId Tenant, int Dimension)
{
    /// <summary>Where the saved index of this partition lives under the index directory.</summary>
    public string RelativePath => Path.Combine(Mode.ToName(), Tenant.Value, $"d{Dimension}");

    public override string ToString() => $"{Mode.ToName()}/{Tenant}/d{Dimension}";
}

/// <summary>A search hit: an entry id and its cosine similarity to the query.</summary>
public readonly record struct IndexCandidate(CacheEntryKey Key, float Similarity);
