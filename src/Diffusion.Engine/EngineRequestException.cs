using Diffusion.Engine.Scheduling;

namespace Diffusion.Engine;

/// <summary>A request ended without a result: rejected, past its deadline, or its runner failed.</summary>
public sealed class EngineRequestException(RequestId id, FinishReason reason, string message, Exception? inner = null)
    : Exception($"{id}: {message}", inner)
{
    public RequestId RequestId { get; } = id;

    public FinishReason Reason { get; } = reason;
}
