namespace Diffusion.Engine;

/// <summary>Identity of one request in the engine (an LLM sequence group or a diffusion job).</summary>
public readonly record struct RequestId(long Value)
{
    public override string ToString() => $"req#{Value}";
}
