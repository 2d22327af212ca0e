using System.Threading.Channels;
using Diffusion.Inference.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace Diffusion.Cache.Generation;

/// <summary>
/// Computes finished runs' CLIP image embeddings on a background task and hands them on (to the run's
/// admission, and to the adaptive K table as the image's score), so the image encoder never sits on a
/// request's critical path. Bounded: when full, an embedding is dropped (the entry stays usable for
/// prompt→prompt retrieval; the table learns from the next image).
/// </summary>
internal sealed class ImageEmbeddingQueue : IAsyncDisposable
{
    private readonly Channel<Item> _channel;
    private readonly DiffusionPipeline _pipeline;
    private readonly ILogger _logger;
    private readonly Task _worker;

    public ImageEmbeddingQueue(DiffusionPipeline pipeline, int capacity, ILogger logger)
    {
        _pipeline = pipeline;
        _logger = logger;
        _channel = Channel.CreateBounded<Item>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _worker = Task.Run(RunAsync);
    }

    /// <summary>Queues one image ([3,h,w] in [-1,1]) whose embedding goes to <paramref name="embedded"/>; false when the queue is full or closed.</summary>
    /// <param name="label">Names the image in a log line when its embedding fails.</param>
    public bool TryEnqueue(Action<float[]> embedded, float[] pixels, int height, int width, string label) =>
        _channel.Writer.TryWrite(new Item(embedded, pixels, height, width, label, null));

    /// <summary>Completes when everything queued before the call has been handed to the store.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // one reader in order: when the marker comes out, everything before it is done
        await _channel.Writer.WriteAsync(new Item(null, null, 0, 0, "", done), cancellationToken).ConfigureAwait(false);
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        await foreach (var item in _channel.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (item.Marker is { } marker)
            {
                marker.TrySetResult();
                continue;
            }
            try
            {
                var embedding = _pipeline.EncodeImages(item.Pixels, 1, item.Height, item.Width);
                if (embedding is not null)
                {
                    item.Embedded!(embedding);
                }
            }
            catch (Exception e) when (e is OnnxRuntimeException or ArgumentException or InvalidOperationException)
            {
                // one bad image must not stop the worker; the entry keeps its prompt→prompt use
                _logger.LogWarning("Image embedding for {Label} failed: {Message}", item.Label, e.Message);
            }
        }
    }

    private sealed record Item(Action<float[]>? Embedded, float[]? Pixels, int Height, int Width, string Label, TaskCompletionSource? Marker);
}
