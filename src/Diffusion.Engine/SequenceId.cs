namespace Diffusion.Engine;

/// <summary>Identity of one token sequence (one sample of an LLM request) in the KV cache.</summary>
public readonly record struct SequenceId(long Value)
{
    public override string ToString() => $"seq#{Value}";
}
