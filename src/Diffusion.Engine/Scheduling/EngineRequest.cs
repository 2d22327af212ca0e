namespace Diffusion.Engine.Scheduling;

/// <summary>What the scheduler knows of any request: identity, priority, timing, cancellation, state.</summary>
public abstract class EngineRequest
{
    private protected EngineRequest(RequestId id, RequestOptions? options, CancellationToken cancellation)
    {
        Id = id;
        Options = options ?? RequestOptions.Default;
        Cancellation = cancellation;
    }

    public RequestId Id { get; }

    public abstract RequestKind Kind { get; }

    public RequestOptions Options { get; }

    public int Priority => Options.Priority;

    public DateTimeOffset? Deadline => Options.Deadline;

    public CancellationToken Cancellation { get; }

    /// <summary>Stamped by the scheduler when the request joins.</summary>
    public DateTimeOffset ArrivalTime { get; internal set; }

    public DateTimeOffset? FirstScheduledTime { get; internal set; }

    public DateTimeOffset? FinishedTime { get; internal set; }

    public RequestState State { get; internal set; } = RequestState.Waiting;

    public FinishReason? FinishReason { get; internal set; }

    /// <summary>Why the request was rejected or failed, when it was.</summary>
    public string? FinishMessage { get; internal set; }

    /// <summary>Arrival sequence number, the FCFS tie-break.</summary>
    internal long ArrivalOrder { get; set; }
}
