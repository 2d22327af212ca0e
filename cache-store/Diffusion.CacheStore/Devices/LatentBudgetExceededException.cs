namespace Diffusion.CacheStore;

/// <summary>
/// A shared device refused a write because the store, counted across every instance, would go over its byte
/// budget by <see cref="OverBytes"/>: make that much room and write again. An <see cref="IOException"/>, so a
/// caller that does not evict treats it as any failed write.
/// </summary>
public sealed class LatentBudgetExceededException(long overBytes, string message) : IOException(message)
{
    public long OverBytes { get; } = overBytes;
}
