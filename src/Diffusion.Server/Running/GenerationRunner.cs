using Diffusion.Server.Generation;
using Diffusion.Server.Images;
using Diffusion.Server.Metrics;
using Microsoft.Extensions.Logging;

namespace Diffusion.Server.Running;

/// <summary>
/// Runs a <see cref="GenerationPlan"/> on the generator (one call per image), stores each image in
/// the gallery and records metrics. Called from inside the <see cref="Queue.GenerationQueue"/>, so it
/// never competes with other generations beyond the configured worker count.
/// </summary>
public sealed class GenerationRunner(IImageGenerator generator, ImageStore store, ServiceMetrics metrics, TimeProvider time,
    ILogger<GenerationRunner> logger)
{
    public const string QueueStage = "queue";
    public const string StoreStage = "store";
    public const string TotalStage = "total";

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public async Task<GenerationResult> RunAsync(
        GenerationPlan plan, TimeSpan queued, IProgress<DenoiseProgress>? progress, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var arrivedAt = time.GetUtcNow() - queued;
        var timings = new Dictionary<string, double> { [QueueStage] = queued.TotalSeconds };
        var images = new List<GeneratedImageRecord>(plan.Count);

        for (var i = 0; i < plan.Count; i++)
        {
            var spec = plan.SpecFor(i) with { ArrivedAt = arrivedAt };
            var image = await GenerateOneAsync(spec, queued, progress, cancellationToken);
            if (image.Cache is { Hit: true, SourceId: { } source } && store.FindByCacheEntry(source, spec.Tenant) is { } sourceImage)
            {
                image = image with { Cache = image.Cache with { SourceImageId = sourceImage.Id.ToString() } };
            }
            foreach (var (stage, seconds) in image.Timings) Add(timings, stage, seconds);

            var storing = time.GetTimestamp();
            ImageRecord record;
            try
            {
                // Not cancellable: once an image exists it is kept even if the client has gone.
                record = await store.SaveAsync(Describe(plan, spec, image), image.Png, CancellationToken.None);
                metrics.ImagesStored.Inc();
            }
            catch (IOException ex)
            {
                // A full or failing disk: the image is made, so a client that takes it in the body still gets it.
                if (plan.Format != ResponseFormat.B64Json) throw new ImageNotStoredException(ex.Message, ex);
                logger.LogWarning("Image not kept in the gallery ({Reason}); returned in the response only", ex.Message);
                record = new ImageRecord(ImageId.New(time.GetUtcNow()), time.GetUtcNow(), Describe(plan, spec, image));
                image = image with { Warnings = [.. image.Warnings ?? [], $"the image was not kept in the gallery ({ex.Message.TrimEnd('.')}); save it from this response"] };
            }
            Add(timings, StoreStage, time.GetElapsedTime(storing).TotalSeconds);
            images.Add(new GeneratedImageRecord(record, image));
        }

        timings[TotalStage] = queued.TotalSeconds + time.GetElapsedTime(started).TotalSeconds;
        return new GenerationResult(images, timings);
    }

    /// <param name="queued">How long the request waited in the service's queue (its images' queueing delay, with the engine's wait).</param>
    private async Task<GeneratedImage> GenerateOneAsync(
        ImageGenerationSpec spec, TimeSpan queued, IProgress<DenoiseProgress>? progress, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        GeneratedImage image;
        try
        {
            image = await generator.GenerateAsync(spec, progress, cancellationToken);
        }
        catch (Exception ex)
        {
            metrics.ObserveFailure(ex switch
            {
                OperationCanceledException => GenerationOutcome.Cancelled,
                GeneratorUnavailableException => GenerationOutcome.Unavailable,
                GenerationRejectedException => GenerationOutcome.Rejected,
                _ => GenerationOutcome.Failed,
            });
            throw;
        }

        if (image?.Png is not { Length: > 8 } png || !png.AsSpan(0, 8).SequenceEqual(PngSignature))
        {
            metrics.ObserveFailure(GenerationOutcome.Failed);
            throw new InvalidOperationException("The image generator returned something that is not a PNG.");
        }
        metrics.ObserveGeneration(time.GetElapsedTime(started).TotalSeconds, image.Cache, spec.Steps,
            image.Timings.TryGetValue(GeneratedImage.DenoiseStage, out var denoise) ? denoise : null, image.ReusedSteps);
        if (image.Expansion is { } expansion) metrics.ObserveExpansion(expansion);
        var engineWait = image.Timings.TryGetValue(GeneratedImage.EngineWaitStage, out var waited) ? TimeSpan.FromSeconds(waited) : TimeSpan.Zero;
        metrics.ObserveServiceLevel(spec.Slo, image.Due, time.GetUtcNow(), spec.ArrivedAt, queued + engineWait);
        return image;
    }

    private static ImageMetadata Describe(GenerationPlan plan, ImageGenerationSpec spec, GeneratedImage image) => new(
        Model: plan.Model,
        Prompt: spec.Prompt,
        NegativePrompt: spec.NegativePrompt,
        RevisedPrompt: image.RevisedPrompt,
        Seed: image.Seed,
        Width: spec.Width,
        Height: spec.Height,
        Steps: spec.Steps,
        GuidanceScale: spec.GuidanceScale,
        Scheduler: spec.Scheduler,
        CacheMode: spec.Cache,
        ExpandPrompt: spec.ExpandPrompt,
        User: spec.User,
        Cache: image.Cache,
        Timings: image.Timings)
    {
        Tenant = spec.Tenant.Value,
    };

    private static void Add(Dictionary<string, double> timings, string stage, double seconds) =>
        timings[stage] = timings.GetValueOrDefault(stage) + seconds;
}
