using Diffusion.Engine.Memory;

namespace Diffusion.Engine.Scheduling;

/// <summary>
/// An LLM request: one prompt and <see cref="SamplingParams.N"/> samples. Sample 0 runs the prefill;
/// when the prompt is done the others are forked from it, sharing its blocks (copy-on-write).
/// </summary>
public sealed class LlmSequenceGroup : EngineRequest
{
    private readonly List<LlmSequence> _sequences = new();

    public LlmSequenceGroup(RequestId id, IReadOnlyList<int> prompt, SamplingParams sampling,
        RequestOptions? options = null, CancellationToken cancellation = default)
        : base(id, options, cancellation)
    {
        if (prompt.Count == 0)
        {
            throw new ArgumentException("the prompt has no tokens");
        }

        Prompt = prompt.ToArray();
        Sampling = sampling.Validate();
    }

    public override RequestKind Kind => RequestKind.Llm;

    public int[] Prompt { get; }

    public SamplingParams Sampling { get; }

    public IReadOnlyList<LlmSequence> Sequences => _sequences;

    /// <summary>The seed in use (the request's, or one the scheduler drew).</summary>
    public ulong Seed { get; internal set; }

    /// <summary>Prompt tokens whose KV came from the prefix cache at admission.</summary>
    public int CachedPromptTokens { get; internal set; }

    internal bool Forked => _sequences.Count == Sampling.N;

    internal SwappedBlocks? SwappedBlocks { get; set; }

    internal IEnumerable<LlmSequence> Unfinished => _sequences.Where(s => !s.IsFinished);

    internal bool AllFinished => Forked && _sequences.All(s => s.IsFinished);

    internal void AddSequence(LlmSequence sequence) => _sequences.Add(sequence);

    internal LlmSequence Find(SequenceId id) =>
        _sequences.Find(s => s.Id == id) ?? throw new KeyNotFoundException($"{Id} has no {id}");
}
