using System.Runtime.InteropServices;

namespace Diffusion.Engine.Scheduling;

/// <summary>One sample of an LLM request: prompt plus generated tokens, sampling state, output text.</summary>
public sealed class LlmSequence
{
    private readonly List<int> _tokens;

    internal LlmSequence(SequenceId id, int sampleIndex, IEnumerable<int> tokens, int promptLength, SamplingRandom random)
    {
        Id = id;
        SampleIndex = sampleIndex;
        _tokens = tokens.ToList();
        PromptLength = promptLength;
        Random = random;
    }

    public SequenceId Id { get; }

    public int SampleIndex { get; }

    public int PromptLength { get; }

    public IReadOnlyList<int> Tokens => _tokens;

    public int OutputLength => _tokens.Count - PromptLength;

    public IEnumerable<int> OutputTokens => _tokens.Skip(PromptLength);

    /// <summary>Decoded output, cut before a stop sequence when one was hit.</summary>
    public string Text { get; internal set; } = "";

    public FinishReason? FinishReason { get; internal set; }

    public bool IsFinished => FinishReason.HasValue;

    /// <summary>Tokens whose KV is in the cache (0 after a recompute preemption).</summary>
    public int ComputedTokens { get; internal set; }

    /// <summary>Characters of <see cref="Text"/> already streamed.</summary>
    internal int StreamedChars { get; set; }

    internal SamplingRandom Random { get; }

    /// <summary>The tokens without a copy; valid until the next append.</summary>
    internal ReadOnlySpan<int> TokenSpan => CollectionsMarshal.AsSpan(_tokens);

    internal void Append(int token) => _tokens.Add(token);
}
