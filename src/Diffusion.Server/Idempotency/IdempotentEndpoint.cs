namespace Diffusion.Server.Idempotency;

/// <summary>Endpoint metadata: the endpoint honours <c>Idempotency-Key</c> (<see cref="IdempotencyMiddleware"/>).</summary>
public sealed class IdempotentEndpoint
{
    public static IdempotentEndpoint Instance { get; } = new();
}
