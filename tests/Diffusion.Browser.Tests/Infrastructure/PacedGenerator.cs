using Diffusion.Server.Generation;
using Microsoft.Extensions.DependencyInjection;

namespace Diffusion.Browser.Tests.Infrastructure;

/// <summary>
/// Wraps the served generator so each denoising step lasts at least <see cref="StepPause"/>: the real
/// ONNX run and its cancellation token still do the work, but a 999-step job on the tiny conformance
/// model (a few ms a step) now outlasts the clicks of a test that watches it run.
/// </summary>
internal sealed class PacedGenerator(IImageGenerator inner) : IImageGenerator
{
    public static readonly TimeSpan StepPause = TimeSpan.FromMilliseconds(15);

    public ModelDescription Model => inner.Model;

    public Task<GeneratedImage> GenerateAsync(ImageGenerationSpec spec, IProgress<DenoiseProgress>? progress,
        CancellationToken cancellationToken) =>
        inner.GenerateAsync(spec, new PacedProgress(progress), cancellationToken);

    /// <summary>Replaces the product's <see cref="IImageGenerator"/> registration with a paced wrapper of it.</summary>
    public static void Install(IServiceCollection services)
    {
        var product = services.Last(d => d.ServiceType == typeof(IImageGenerator));
        var factory = product.ImplementationFactory
            ?? throw new InvalidOperationException("The served generator is expected to be registered by a factory.");
        services.Remove(product);
        services.AddSingleton<IImageGenerator>(sp => new PacedGenerator((IImageGenerator)factory(sp)));
    }

    // Progress is reported on the step loop's thread, so a pause here holds the next step back.
    private sealed class PacedProgress(IProgress<DenoiseProgress>? inner) : IProgress<DenoiseProgress>
    {
        public void Report(DenoiseProgress value)
        {
            Thread.Sleep(StepPause);
            inner?.Report(value);
        }
    }
}
