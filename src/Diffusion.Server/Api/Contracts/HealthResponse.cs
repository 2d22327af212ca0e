namespace Diffusion.Server.Api.Contracts;

/// <summary>The answer of <c>GET /healthz</c>.</summary>
public sealed record HealthResponse(string Status, string Model, int QueueDepth, int QueueCapacity, int Images);
