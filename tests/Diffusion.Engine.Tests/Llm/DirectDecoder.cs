using Diffusion.Engine.Llm;
using Diffusion.Engine.Memory;
using Diffusion.Engine.Scheduling;

namespace Diffusion.Engine.Tests.Llm;

/// <summary>
/// Drives <see cref="LlmRunner"/> and <see cref="KvCacheManager"/> by hand (no scheduler): one
/// sequence's state and the plan entry for its next step, so tests can batch steps any way they like.
/// </summary>
internal sealed class DirectSequence(KvCacheManager kv, SequenceId id, int[] prompt, int prefillChunk)
{
    public SequenceId Id => id;

    public List<int> Tokens { get; } = [.. prompt];

    public List<float[]> StepLogits { get; } = new();

    public ScheduledSequence NextStep()
    {
        int[] all = Tokens.ToArray();
        int computed = kv.Contains(id) ? kv.GetComputedTokens(id) : kv.CountCachedPrefixTokens(all);
        int count = Math.Min(prefillChunk, all.Length - computed);
        Assert.Equal(AllocationStatus.Ok, kv.AllocateSlots(id, all, count));
        bool last = computed + count == all.Length;
        return new ScheduledSequence(new RequestId(id.Value), id, computed, all[computed..(computed + count)],
            kv.CopyBlockTable(id), computed < prompt.Length, last);
    }

    /// <summary>Commits the step and, when it produced logits, appends the greedy token.</summary>
    public void Complete(ScheduledSequence step, LlmBatchOutput output)
    {
        kv.CommitComputed(id, Tokens.ToArray(), step.TokenIds.Length);
        if (!step.ProducesLogits)
        {
            return;
        }

        float[] logits = output.Logits.Single(l => l.Sequence == id).Logits;
        StepLogits.Add(logits);
        Tokens.Add(Array.IndexOf(logits, logits.Max()));
    }

    public static void RunBatch(LlmRunner runner, IReadOnlyList<DirectSequence> sequences)
    {
        var steps = sequences.Select(s => s.NextStep()).ToList();
        LlmBatchOutput output = runner.Execute(new LlmBatchPlan(steps));
        for (int i = 0; i < sequences.Count; i++)
        {
            sequences[i].Complete(steps[i], output);
        }
    }
}
