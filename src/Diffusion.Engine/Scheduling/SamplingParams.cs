namespace Diffusion.Engine.Scheduling;

/// <summary>How an LLM request's tokens are chosen and when it stops.</summary>
public sealed record SamplingParams
{
    public const int MaxSamples = 16;

    public int MaxTokens { get; init; } = 64;

    /// <summary>0 is greedy; above 0 samples from softmax(logits / temperature).</summary>
    public float Temperature { get; init; }

    /// <summary>Nucleus sampling: keep the most likely tokens whose probabilities sum to at least this.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Makes sampling repeatable; without it the scheduler draws one.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Samples of the one prompt; they share the prompt's KV blocks.</summary>
    public int N { get; init; } = 1;

    /// <summary>Generation stops before the first occurrence of any of these (in decoded text).</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    public bool IgnoreEos { get; init; }

    public SamplingParams Validate()
    {
        if (MaxTokens < 1)
        {
            throw new ArgumentException($"max_tokens must be at least 1 (got {MaxTokens})");
        }

        if (!(Temperature >= 0) || float.IsInfinity(Temperature))
        {
            throw new ArgumentException($"temperature must be a finite number >= 0 (got {Temperature})");
        }

        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentException($"top_p must be in (0, 1] (got {TopP})");
        }

        if (N < 1 || N > MaxSamples)
        {
            throw new ArgumentException($"n must be in 1..{MaxSamples} (got {N})");
        }

        if (Stop.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("stop sequences must not be empty");
        }

        return this;
    }
}
