using System.Buffers;

namespace Diffusion.CacheStore;

/// <summary>Work for the background writer, in the order the request path queued it.</summary>
internal abstract record StoreCommand;

/// <summary>A latent to store. <see cref="Values"/> is rented from the shared pool and returned by the writer.</summary>
internal sealed record WriteLatentCommand(CacheEntryDescriptor Entry, int K, float[] Values, int Length, int[] Shape) : StoreCommand
{
    public LatentKey Key => new(Entry.Key, K);

    public static WriteLatentCommand Copy(CacheEntryDescriptor entry, int k, ReadOnlySpan<float> values, ReadOnlySpan<int> shape)
    {
        var buffer = ArrayPool<float>.Shared.Rent(values.Length);
        values.CopyTo(buffer);
        return new WriteLatentCommand(entry, k, buffer, values.Length, shape.ToArray());
    }

    public void ReturnBuffer() => ArrayPool<float>.Shared.Return(Values);
}

internal sealed record ImageEmbeddingCommand(CacheEntryKey Key, float[] Embedding) : StoreCommand;

/// <summary>Completes once everything queued before it is done, including pending hits and deletions.</summary>
internal sealed record FlushCommand(TaskCompletionSource Done) : StoreCommand;

/// <summary>Asks the writer to persist pending hits or deletions.</summary>
internal sealed record WakeCommand : StoreCommand
{
    public static WakeCommand Instance { get; } = new();
}
