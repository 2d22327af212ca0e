using Diffusion.Cli.Commands;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Vocabulary;
using Diffusion.Server.Api;
using Diffusion.Server.Generation;
using Diffusion.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// The production composition (<see cref="ServeCommand.Build"/>) on a real Kestrel socket at
/// 127.0.0.1 with an ephemeral port, so Kestrel's own limits (request line, header size and count,
/// framing) are part of what is fuzzed; the in-memory TestServer enforces none of them. The models
/// are never loaded: a <see cref="FakeImageGenerator"/> with the shipped vocabulary replaces the
/// generator (the vocabulary so /v1/prompts/check runs its reader rather than answering 404).
/// </summary>
public sealed class FuzzHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private FuzzHost(WebApplication app, Uri address, string dataDirectory, CapturingLoggerProvider logs)
    {
        this.app = app;
        Address = address;
        DataDirectory = dataDirectory;
        Logs = logs;
    }

    public Uri Address { get; }
    public string DataDirectory { get; }

    /// <summary>Warnings and errors the host logged (an exception the error handler caught is one).</summary>
    public CapturingLoggerProvider Logs { get; }

    /// <summary>The folder the static web files are served from (the build copies web/ there).</summary>
    public static string WebDirectory => new WebUiOptions().ResolvedDirectory;

    public static async Task<FuzzHost> StartAsync()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("diffusion-fuzz-").FullName;
        var logs = new CapturingLoggerProvider();
        var generator = new FakeImageGenerator(
            FakeImageGenerator.DefaultModel with { Vocabulary = new PromptVocabulary(ModelVocabulary.Load(Fixtures.ShippedModel)!) });
        var app = ServeCommand.Build("http://127.0.0.1:0", new Dictionary<string, string?> { ["Server:DataDirectory"] = dataDirectory },
            new ModelHostingOptions(Fixtures.ConformanceModel, 1, ExecutionProviderKind.Cpu, Cache: false),
            services =>
            {
                services.AddSingleton<IImageGenerator>(generator);
                // Only the capturing logger: thousands of rejected requests would flood the console.
                services.RemoveAll<ILoggerProvider>();
                services.AddSingleton<ILoggerProvider>(logs);
            });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new FuzzHost(app, new Uri(address), dataDirectory, logs);
    }

    public WireClient CreateWireClient(TimeSpan timeout) => new(Address.Host, Address.Port, timeout);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }
}
