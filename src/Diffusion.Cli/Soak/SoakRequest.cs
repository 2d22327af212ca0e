namespace Diffusion.Cli.Soak;

public enum SoakRequestKind
{
    /// <summary>POST /v1/images/generations, waiting for the image.</summary>
    Sync,

    /// <summary>POST /v1/jobs, then its events or its state until it ends.</summary>
    Job,
}

public enum SoakPhase
{
    WarmUp,
    Faults,
    Overload,
    Recovery,
}

/// <summary>How a call went when no HTTP answer came back.</summary>
public enum TransportFailure
{
    None,

    /// <summary>The connection could not be made (the service was down): the request never reached it.</summary>
    Refused,

    /// <summary>The connection broke after the request was sent (the service died under it).</summary>
    Lost,

    /// <summary>No answer within the soak's own time limit.</summary>
    Timeout,
}

public static class JobStates
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string NotFound = "not_found";
    public const string Unreachable = "unreachable";

    public static bool IsFinal(string? state) => state is Succeeded or Failed or Cancelled;
}

/// <summary>The cache entry and K a served image says it started from (its <c>cache.source_id</c> and <c>cache.k</c>).</summary>
public readonly record struct ServedHit(string SourceId, int K);

/// <summary>
/// One request the soak sent and everything it saw of it. Written only by the task that sends and
/// follows it; read by the accounting after that task ended (progress lines read it racily, which
/// only makes a count a moment old).
/// </summary>
public sealed class SoakRequest
{
    public required int Index { get; init; }
    public required SoakRequestKind Kind { get; init; }
    public required SoakPhase Phase { get; init; }

    /// <summary>The cache tenant the request's <c>user</c> maps to.</summary>
    public required string Tenant { get; init; }

    /// <summary>Seconds since the soak started, when the request was sent.</summary>
    public required double Start { get; init; }

    /// <summary>When the answer came (sync), or when the job's final state was seen.</summary>
    public double? End { get; set; }

    /// <summary>The answer's status: the image's for a sync request, the POST's for a job.</summary>
    public int? Status { get; set; }

    public TransportFailure Transport { get; set; }

    /// <summary>The error message of a failed answer or call.</summary>
    public string? Error { get; set; }

    /// <summary>On a 429: whether it carried Retry-After.</summary>
    public bool RetryAfter { get; set; }

    /// <summary>A served image's cache hit, when it was one.</summary>
    public ServedHit? Hit { get; set; }

    /// <summary>True once an image came back (sync 200 with data, or a job's result).</summary>
    public bool Succeeded { get; set; }

    public string? JobId { get; set; }

    /// <summary>The final state the soak saw while following the job (succeeded, failed, cancelled), if any.</summary>
    public string? JobFinal { get; set; }

    public string? JobReason { get; set; }

    /// <summary>The job's follower dropped its event stream on purpose before the end.</summary>
    public bool SseDisconnected { get; set; }

    /// <summary>When the follower first got 404 for the job (after a crash, without a journal).</summary>
    public double? FirstNotFoundAt { get; set; }

    /// <summary>The job's state at the final check after the last restart and the drain; null before it.</summary>
    public string? EndCheck { get; set; }

    public string? EndCheckReason { get; set; }

    public double? Latency => End is { } end ? end - Start : null;

    public bool IsAccepted => Kind switch
    {
        SoakRequestKind.Sync => Transport is TransportFailure.Lost or TransportFailure.Timeout || Status is { } s && s != 429,
        _ => Status == 202,
    };
}

/// <summary>A 5xx answer to any call the soak made, with when the call started and ended.</summary>
public sealed record ServerErrorAnswer(double Start, double End, string Method, string Path, int Status, string Message);
