using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Server.Generation;
using Microsoft.Extensions.DependencyInjection;

namespace Diffusion.Cli.Commands;

/// <summary>Where the served models come from and how ONNX Runtime runs them.</summary>
public sealed record ModelHostingOptions(string ModelsDirectory, int IntraOpThreads, ExecutionProviderKind Provider);

/// <summary>Registers the loaded model family and the generator the web host calls.</summary>
public static class ModelHosting
{
    public static IServiceCollection AddModelHosting(this IServiceCollection services, ModelHostingOptions options)
    {
        services.AddSingleton(_ => DiffusionModels.Load(options.ModelsDirectory,
            new OnnxRuntimeOptions { IntraOpThreads = options.IntraOpThreads, ExecutionProvider = options.Provider }));
        services.AddSingleton(sp => new DiffusionPipeline(sp.GetRequiredService<DiffusionModels>(), sp.GetService<TimeProvider>()));
        services.AddSingleton<IImageGenerator>(sp =>
        {
            var pipeline = sp.GetRequiredService<DiffusionPipeline>();
            return new PipelineImageGenerator(pipeline, pipeline.Models.Folder.Name);
        });
        return services;
    }
}
