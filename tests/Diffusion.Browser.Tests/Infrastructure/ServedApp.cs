using System.Net.Http.Json;
using System.Text.Json;
using Diffusion.Cli.Commands;
using Diffusion.Inference.Onnx;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Diffusion.Browser.Tests.Infrastructure;

/// <summary>
/// The real <c>serve</c> composition (<see cref="ServeCommand.Build"/>) in this process, on a port the
/// OS picks on 127.0.0.1, generating with ONNX Runtime on the conformance model into a data directory
/// the caller owns (so a second instance on the same directory sees the same gallery).
/// </summary>
public sealed class ServedApp : IAsyncDisposable
{
    private readonly WebApplication app;

    private ServedApp(WebApplication app, Uri baseAddress, string dataDirectory)
    {
        this.app = app;
        BaseAddress = baseAddress;
        DataDirectory = dataDirectory;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress { get; }
    public string DataDirectory { get; }
    public HttpClient Http { get; }

    /// <param name="apiKeys">Keys in clear (Server:ApiKeys); null serves the open (keyless) API.</param>
    public static async Task<ServedApp> StartAsync(string dataDirectory, string? modelFolder = null, string? apiKeys = null)
    {
        // MaxSteps near the schedule's limit (999 of 1000 training steps) and paced steps (at least 15 ms each):
        // the cancel test needs a run that outlasts a click on a busy machine, and the conformance model
        // alone runs 999 steps in about 2.5 s.
        var overrides = new Dictionary<string, string?>
        {
            ["Server:DataDirectory"] = dataDirectory,
            ["Server:MaxSteps"] = "999",
            ["Server:ApiKeys"] = apiKeys,
        };
        // One ONNX Runtime thread: the machine is shared, and a slower run makes progress easier to watch.
        var app = ServeCommand.Build("http://127.0.0.1:0", overrides,
            new ModelHostingOptions(modelFolder ?? RepoPaths.ConformanceModel, 1, ExecutionProviderKind.Cpu), PacedGenerator.Install);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ServedApp(app, new Uri(address), dataDirectory);
    }

    /// <summary>Generates one image through the API (not the page) and returns its <c>data[0]</c>.</summary>
    public async Task<JsonElement> GenerateAsync(object body)
    {
        using var response = await Http.PostAsJsonAsync("/v1/images/generations", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"generation failed: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("data")[0].Clone();
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        var text = await Http.GetStringAsync(path);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
