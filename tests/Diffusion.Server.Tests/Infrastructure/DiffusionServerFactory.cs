using Diffusion.Server.Generation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Diffusion.Server.Tests.Infrastructure;

/// <summary>
/// The web host as production composes it (AddDiffusionServer, UseDiffusionServer, MapDiffusionApi),
/// with a <see cref="FakeImageGenerator"/>, a private data directory and optional settings and clock.
/// Several factories may share a data directory to test restarts. The type argument only tells the
/// factory which assembly has an entry point (this test assembly); the host is built by
/// <see cref="CreateHostBuilder"/>, not by running a Main.
/// </summary>
public sealed class DiffusionServerFactory : WebApplicationFactory<DiffusionServerFactory>
{
    private readonly bool ownsDirectory;

    public DiffusionServerFactory(
        IDictionary<string, string?>? settings = null,
        string? dataDirectory = null,
        TimeProvider? time = null,
        FakeImageGenerator? generator = null)
    {
        ownsDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("diffusion-server-tests-").FullName;
        Settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["Server:DataDirectory"] = DataDirectory,
        };
        Time = time;
        Generator = generator ?? new FakeImageGenerator();
    }

    public string DataDirectory { get; }
    public IReadOnlyDictionary<string, string?> Settings { get; }
    public TimeProvider? Time { get; }
    public FakeImageGenerator Generator { get; }
    public CapturingLoggerProvider Logs { get; } = new();

    protected override IHostBuilder CreateHostBuilder() =>
        Host.CreateDefaultBuilder()
            .ConfigureAppConfiguration(config => config.AddInMemoryCollection(Settings))
            .ConfigureLogging(logging => logging.ClearProviders().AddProvider(Logs))
            .ConfigureWebHostDefaults(web => web
                .ConfigureServices((context, services) =>
                {
                    if (Time is not null) services.AddSingleton(Time);
                    services.AddDiffusionServer(context.Configuration);
                    services.AddSingleton<IImageGenerator>(Generator);
                })
                .Configure(app =>
                {
                    app.UseDiffusionServer();
                    app.UseEndpoints(endpoints => endpoints.MapDiffusionApi());
                }));

    // Runs after the factory picked a content root from the solution layout; the host needs none.
    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseContentRoot(DataDirectory);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && ownsDirectory && Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true);
    }
}
