using System.Collections.Concurrent;
using Diffusion.Server.Generation;

namespace Diffusion.Server.Tests.Infrastructure;

/// <summary>
/// A generator for web-host tests: reports one progress per step, can be held at a gate before its
/// first step (to fill the queue or cancel mid-run), can be told to fail, and records every call.
/// </summary>
public sealed class FakeImageGenerator : IImageGenerator
{
    private readonly SemaphoreSlim started = new(0);
    private volatile TaskCompletionSource gate = Open();
    private int cancellations;

    /// <summary>The default description (an open-vocabulary model), or <paramref name="model"/>.</summary>
    public FakeImageGenerator(ModelDescription? model = null) => Model = model ?? DefaultModel;

    public static ModelDescription DefaultModel { get; } = new(
        id: "test-model",
        ownedBy: "tests",
        created: DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
        sizes: [new ImageSize(64, 64), new ImageSize(32, 48)],
        schedulers: ["ddim", "euler", "dpm++2m"],
        maxSteps: 200);

    public ModelDescription Model { get; }

    public ConcurrentQueue<ImageGenerationSpec> Calls { get; } = new();
    public int Cancellations => Volatile.Read(ref cancellations);

    /// <summary>What the next generations report about the cache.</summary>
    public CacheReport Cache { get; set; } = CacheReport.Miss;

    /// <summary>When set, generations throw this instead of producing an image.</summary>
    public Func<Exception>? Failure { get; set; }

    /// <summary>Makes later generations wait before their first step until <see cref="Release"/>.</summary>
    public void Hold() => gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => gate.TrySetResult();

    /// <summary>Waits until a generation has started (it has been taken off the queue).</summary>
    public async Task WaitForStartAsync(TimeSpan? timeout = null)
    {
        if (!await started.WaitAsync(timeout ?? TimeSpan.FromSeconds(10)))
            throw new TimeoutException("No generation started in time.");
    }

    public async Task<GeneratedImage> GenerateAsync(
        ImageGenerationSpec spec, IProgress<DenoiseProgress>? progress, CancellationToken cancellationToken)
    {
        Calls.Enqueue(spec);
        started.Release();
        try
        {
            await gate.Task.WaitAsync(cancellationToken);
            if (Failure is { } failure) throw failure();
            for (var step = 1; step <= spec.Steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new DenoiseProgress(step, spec.Steps, TimeSpan.FromMilliseconds(10 * step)));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref cancellations);
            throw;
        }

        var timings = new Dictionary<string, double> { ["text_encoder"] = 0.001, ["denoise"] = 0.01 * spec.Steps };
        return new GeneratedImage(
            TestPng.Create(spec.Width, spec.Height, (byte)(spec.Seed % 256)),
            spec.Seed,
            spec.ExpandPrompt ? $"{spec.Prompt}, highly detailed" : null,
            Cache,
            timings)
        {
            // as if every other step reused the denoiser's output
            ReusedSteps = spec.OutputReuse > 0 ? spec.Steps / 2 : 0,
        };
    }

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}
