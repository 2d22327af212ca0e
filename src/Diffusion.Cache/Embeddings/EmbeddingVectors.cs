using System.Numerics.Tensors;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Cache.Embeddings;

/// <summary>Unit-length embeddings: FAISS's inner product on them is the cosine similarity.</summary>
public static class EmbeddingVectors
{
    /// <summary>A unit-length copy; a zero or non-finite vector is an error (it has no direction).</summary>
    public static float[] Normalize(ReadOnlySpan<float> vector)
    {
        if (vector.IsEmpty)
        {
            throw new ArgumentException("an embedding must not be empty.", nameof(vector));
        }
        var norm = TensorPrimitives.Norm(vector);
        if (!float.IsFinite(norm) || norm <= 0)
        {
            throw new ArgumentException($"an embedding must be finite and non-zero (norm {norm}).", nameof(vector));
        }
        var result = new float[vector.Length];
        TensorPrimitives.Divide(vector, norm, result);
        return result;
    }

    /// <summary>Cosine similarity of two vectors of the same length.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"vectors of different lengths ({a.Length} and {b.Length}).");
        }
        return TensorPrimitives.CosineSimilarity(a, b);
    }

    /// <summary>
    /// The prompt's retrieval embedding, normalised: CLIP's projected <c>text_embeds</c> when the text
    /// encoder has them (ours does); otherwise the pooled output (SD 1.5 exports), otherwise the mean hidden state.
    /// </summary>
    public static float[] OfPrompt(PromptEmbedding prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.TextEmbeds is { Length: > 0 } embeds)
        {
            return Normalize(embeds);
        }
        if (prompt.Pooled is { Length: > 0 } pooled)
        {
            return Normalize(pooled);
        }
        var tokens = prompt.Tokens.Ids.Length;
        var width = prompt.HiddenStates.Length / tokens;
        var mean = new float[width];
        for (var t = 0; t < tokens; t++)
        {
            TensorPrimitives.Add(mean, prompt.HiddenStates.AsSpan(t * width, width), mean);
        }
        return Normalize(mean);
    }
}
