using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Diffusion.Replay.Tests.Infrastructure;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (a free port chosen by the OS) with endpoints the test
/// writes: a stand-in for the service when one component of the replay is under test.
/// </summary>
public sealed class TestHttpServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private TestHttpServer(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<TestHttpServer> StartAsync(Action<IEndpointRouteBuilder> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestHttpServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    public HttpClient CreateClient() => new() { BaseAddress = Address, Timeout = Timeout.InfiniteTimeSpan };

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>A minimal successful generation answer in the service's shape.</summary>
    public static IResult Image(string id, bool hit = false, int k = 0) => Results.Json(new Dictionary<string, object?>
    {
        ["created"] = 1,
        ["data"] = new[]
        {
            new Dictionary<string, object?>
            {
                ["id"] = id,
                ["url"] = $"http://127.0.0.1/v1/images/{id}",
                ["seed"] = 7,
                ["cache"] = new Dictionary<string, object?> { ["hit"] = hit, ["k"] = k, ["similarity"] = hit ? 0.93 : null, ["source_id"] = hit ? "src" : null },
            },
        },
        ["timings"] = new Dictionary<string, double> { ["total"] = 0.01 },
    });
}
