namespace Diffusion.Engine.Scheduling;

/// <summary>
/// One sequence's share of an LLM iteration: feed <see cref="TokenIds"/> at positions
/// <see cref="StartPosition"/>.. (a prefill chunk, or one decode token), writing their KV into the
/// blocks of <see cref="BlockTable"/>; when <see cref="ProducesLogits"/>, return the logits of the last one.
/// </summary>
public sealed record ScheduledSequence(
    RequestId Request,
    SequenceId Sequence,
    int StartPosition,
    int[] TokenIds,
    int[] BlockTable,
    bool IsPrefill,
    bool ProducesLogits);

/// <summary>The LLM work of one iteration (selective batching: all sequences' tokens run together).</summary>
public sealed record LlmBatchPlan(IReadOnlyList<ScheduledSequence> Sequences)
{
    public int TotalTokens => Sequences.Sum(s => s.TokenIds.Length);

    public int PrefillTokens => Sequences.Where(s => s.IsPrefill).Sum(s => s.TokenIds.Length);

    public int DecodeTokens => Sequences.Where(s => !s.IsPrefill).Sum(s => s.TokenIds.Length);
}

/// <summary>Next-token logits of one sequence's last fed token.</summary>
public sealed record SequenceLogits(SequenceId Sequence, float[] Logits);

/// <summary>What an <see cref="ILlmRunner"/> returns for a batch; <see cref="MathTime"/> is the model math only.</summary>
public sealed record LlmBatchOutput(IReadOnlyList<SequenceLogits> Logits, TimeSpan MathTime);
