using Diffusion.CacheStore;

namespace Diffusion.Server.Idempotency;

/// <summary>
/// Where idempotent requests' outcomes live: in this process (<see cref="MemoryIdempotencyStore"/>) or in Redis,
/// shared by every instance behind a load balancer (<see cref="RedisIdempotencyStore"/>), so a retry after a
/// failover finds the first attempt's response wherever it lands.
/// </summary>
public interface IIdempotencyStore
{
    /// <summary>
    /// Claims <paramref name="key"/> for a request with <paramref name="fingerprint"/> for <paramref name="lease"/>: the
    /// caller runs it, unless the key already answered (its stored response), is held by a running attempt, or was
    /// used for a different request.
    /// </summary>
    Task<IdempotencyClaim> ClaimAsync(TenantId tenant, string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Extends a running attempt's claim (it would lapse after a crash, so a retry may take over).</summary>
    Task<bool> RenewAsync(TenantId tenant, string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Stores the attempt's response for <paramref name="retention"/>; later claims replay it.</summary>
    Task CompleteAsync(TenantId tenant, string key, string fingerprint, StoredResponse response, TimeSpan retention, CancellationToken cancellationToken);

    /// <summary>Gives the key up after a failed attempt, so a retry runs the request again.</summary>
    Task ReleaseAsync(TenantId tenant, string key, string fingerprint, CancellationToken cancellationToken);
}

public enum IdempotencyClaimStatus
{
    /// <summary>The caller holds the key: run the request, then complete or release.</summary>
    Claimed,

    /// <summary>Another attempt holds the key and is still running (or crashed and its lease has not lapsed yet).</summary>
    InProgress,

    /// <summary>The key answered before: replay <see cref="IdempotencyClaim.Response"/>.</summary>
    Completed,

    /// <summary>The key was used for a different request (another body or route).</summary>
    Mismatch,
}

public sealed record IdempotencyClaim(IdempotencyClaimStatus Status, StoredResponse? Response = null)
{
    public static IdempotencyClaim Claimed { get; } = new(IdempotencyClaimStatus.Claimed);
    public static IdempotencyClaim InProgress { get; } = new(IdempotencyClaimStatus.InProgress);
    public static IdempotencyClaim Mismatch { get; } = new(IdempotencyClaimStatus.Mismatch);
}

/// <summary>A response as sent: status, content type, the Location header (jobs) and the body.</summary>
public sealed record StoredResponse(int Status, string? ContentType, string? Location, byte[] Body);
