namespace Diffusion.Kernels.Attention;

/// <summary>Shape and length of one <see cref="AttentionBenchmark"/> run; defaults are the engine's small LLM at decode.</summary>
public sealed record AttentionBenchmarkOptions
{
    public int NumHeads { get; init; } = 4;

    public int HeadDim { get; init; } = 64;

    /// <summary>Tokens the last query attends to (its position + 1).</summary>
    public int ContextLength { get; init; } = 128;

    public int BlockSize { get; init; } = 16;

    /// <summary>1 is decode; more is a prefill chunk ending at <see cref="ContextLength"/>.</summary>
    public int NumQueries { get; init; } = 1;

    /// <summary>Calls timed back to back in one round.</summary>
    public int CallsPerRound { get; init; } = 100;

    /// <summary>Rounds, each timing both kernels back to back.</summary>
    public int Rounds { get; init; } = 15;

    public int Seed { get; init; } = 1;

    public void Validate()
    {
        Positive(NumHeads, nameof(NumHeads));
        Positive(HeadDim, nameof(HeadDim));
        Positive(ContextLength, nameof(ContextLength));
        Positive(BlockSize, nameof(BlockSize));
        Positive(NumQueries, nameof(NumQueries));
        Positive(CallsPerRound, nameof(CallsPerRound));
        Positive(Rounds, nameof(Rounds));
        if (NumQueries > ContextLength)
        {
            throw new ArgumentOutOfRangeException(nameof(NumQueries), NumQueries, $"must not exceed ContextLength ({ContextLength})");
        }
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "must be positive");
        }
    }
}
