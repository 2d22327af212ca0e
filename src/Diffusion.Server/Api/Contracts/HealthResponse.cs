using System.Text.Json.Serialization;

namespace Diffusion.Server.Api.Contracts;

/// <summary>The answer of <c>GET /healthz</c>.</summary>
/// <param name="Status">"ok" (200); "starting" while the cache opens or "failed" when it could not (503).</param>
/// <param name="Problem">Why the cache could not be opened, with "failed".</param>
public sealed record HealthResponse(string Status, string Model, int QueueDepth, int QueueCapacity, int Images,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Problem = null);
