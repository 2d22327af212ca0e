namespace Diffusion.Server.Caching;

/// <summary>
/// Opens the service's cache: the latent store's recovery scan, the FAISS index, a Redis connection. Stops
/// with <see cref="OperationCanceledException"/> when the token fires; any other exception is a failed opening.
/// </summary>
public delegate Task<OpenedCache> CacheOpener(CancellationToken cancellationToken);
