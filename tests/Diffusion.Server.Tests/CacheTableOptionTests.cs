using System.CommandLine;
using Diffusion.Cache.Policy;
using Diffusion.Cli.Commands;
using Diffusion.Inference.Onnx;
using Diffusion.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Diffusion.Server.Tests;

/// <summary>
/// <c>serve --cache-table</c>: a model the user brings needs its own similarity→K table. The conformance export has no
/// image encoder, so its cache retrieves prompt→prompt, where the shipped table has no thresholds (every lookup misses).
/// </summary>
public sealed class CacheTableOptionTests : IAsyncDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("diffusion-cache-table-").FullName;
    private readonly CapturingLoggerProvider logs = new();
    private WebApplication? app;

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Another_prompt_hits_only_under_a_given_table_that_allows_it(bool withTable)
    {
        // any similarity lends K 25 of 50: a prompt unlike the first one hits (a repeat of the same prompt would hit under
        // any table, at the deepest cache point)
        var tables = withTable ? KTableSet.Load(WriteTable("""{"min_similarity": -1, "k": 25}""")) : null;
        app = ServeCommand.Build("http://127.0.0.1:0", new Dictionary<string, string?> { ["Server:DataDirectory"] = directory },
            new ModelHostingOptions(Fixtures.ConformanceModel, 1, ExecutionProviderKind.Cpu, KTables: tables),
            services => services.AddSingleton<ILoggerProvider>(logs));
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };

        bool HitOf(System.Text.Json.JsonElement answer) => answer.GetProperty("data")[0].GetProperty("cache").GetProperty("hit").GetBoolean();
        var first = await ApiAssert.JsonAsync(await http.GenerateAsync(new { prompt = "a fox", steps = 10, seed = 5 }));
        Assert.False(HitOf(first), "the first request of a prompt was a hit");
        await Eventually.TrueAsync(async () =>   // the run's latents are stored after its answer
        {
            var metrics = await ApiAssert.JsonAsync(await http.GetAsync("/v1/metrics"));
            return metrics.GetProperty("cache").GetProperty("store").GetProperty("latents").GetInt32() > 0;
        }, "the first run's latents were never stored");
        var other = await ApiAssert.JsonAsync(await http.GenerateAsync(new { prompt = "a lighthouse on a cliff at night", steps = 10, seed = 6 }));
        Assert.Equal(withTable, HitOf(other));

        // neither table was calibrated for the conformance export, and the log says so
        var calibratedFor = withTable ? "test" : "emoji-world-memory@";
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains($"calibrated for {calibratedFor}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_with_a_missing_table_exits_with_a_clear_message()
    {
        var (code, error) = await ServeAsync(Path.Combine(directory, "nope.json"));
        Assert.Equal(2, code);
        Assert.StartsWith("serve: --cache-table: ", error);
        Assert.Contains("does not exist", error);
    }

    [Fact]
    public async Task Serve_with_a_malformed_table_exits_with_a_clear_message()
    {
        var path = Path.Combine(directory, "broken.json");
        await File.WriteAllTextAsync(path, "{\"format\": 1, \"default_mode\": ");
        var (code, error) = await ServeAsync(path);
        Assert.Equal(2, code);
        Assert.Contains("not a valid k-table", error);
    }

    private async Task<(int Code, string Error)> ServeAsync(string table)
    {
        var error = new StringWriter();
        var code = await ServeCommand.Create()
            .Parse(["--urls", $"http://127.0.0.1:{ServeCommandTests.FreeLoopbackPort()}", "--data-dir", directory, "--models", Fixtures.ConformanceModel, "--cache-table", table])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error })
            .WaitAsync(TimeSpan.FromSeconds(60));
        return (code, error.ToString());
    }

    private string WriteTable(string promptToPromptRow)
    {
        var path = Path.Combine(directory, KTableSet.FileName);
        File.WriteAllText(path, $$$"""
            {"format": 1, "default_mode": "prompt-to-prompt", "calibrated_for": "test",
             "modes": {"prompt-to-prompt": [{{{promptToPromptRow}}}], "prompt-to-image": []}}
            """);
        return path;
    }
}
