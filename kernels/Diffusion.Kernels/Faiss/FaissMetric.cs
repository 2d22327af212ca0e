namespace Diffusion.Kernels.Faiss;

/// <summary>Distance used by a <see cref="FaissIndex"/>; the numbers match FAISS's MetricType.</summary>
public enum FaissMetric
{
    /// <summary>Inner product: larger is closer. Cosine similarity when vectors are normalized.</summary>
    InnerProduct = 0,

    /// <summary>Squared Euclidean distance: smaller is closer.</summary>
    L2 = 1,
}
