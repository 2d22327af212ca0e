using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Diffusion.Cli.Commands;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;
using Diffusion.Server.Generation;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests;

/// <summary>The real <c>serve</c> command on a real Kestrel socket (loopback only), with the placeholder generator.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("diffusion-serve-").FullName;

    public void Dispose() => Directory.Delete(dataDirectory, recursive: true);

    [Fact]
    public async Task Serve_in_a_separate_process_answers_health_models_and_generates_a_png()
    {
        var port = FreeLoopbackPort();
        var cli = Path.Combine(AppContext.BaseDirectory, "diffusion.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { cli, "serve", "--urls", $"http://127.0.0.1:{port}", "--data-dir", dataDirectory, "--max-queue", "3",
                "--models", ConformanceFixture },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            await WaitForHealthAsync(http, process);

            var health = await ApiAssert.JsonAsync(await http.GetAsync("/healthz"));
            Assert.Equal("ok", health.GetProperty("status").GetString());
            Assert.Equal(3, health.GetProperty("queue_capacity").GetInt32());

            var models = await ApiAssert.JsonAsync(await http.GetAsync("/v1/models"));
            Assert.Equal("model", models.GetProperty("data")[0].GetProperty("id").GetString());

            // a real generation through ONNX Runtime on the SD 1.5-shaped conformance export
            var generation = await http.PostAsync("/v1/images/generations", Http.Json(new { prompt = "a fox", steps = 4, seed = 5 }));
            Assert.Equal(HttpStatusCode.OK, generation.StatusCode);
            var body = await ApiAssert.JsonAsync(generation);
            var png = Convert.FromBase64String(body.GetProperty("data")[0].GetProperty("b64_json").GetString()!);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            Assert.Equal(64, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));   // IHDR width
            Assert.Equal(5, body.GetProperty("data")[0].GetProperty("seed").GetInt64());

            await ApiAssert.ErrorAsync(await http.PostAsync("/v1/images/generations", Http.Json(new { prompt = "" })),
                HttpStatusCode.BadRequest, "prompt must not be empty");
            Assert.True(Directory.Exists(Path.Combine(dataDirectory, "images")));
        }
        finally
        {
            if (!process.HasExited)
            {
                // SIGTERM: the command's token fires and the host stops gracefully.
                using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill();
                    throw;
                }
            }
        }
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{await output}\n{await errors}");
    }

    private static string ConformanceFixture => Fixtures.ConformanceModel;

    [Fact]
    public void The_models_step_limit_is_the_most_its_schedule_accepts()
    {
        using var models = DiffusionModels.Load(ConformanceFixture, new OnnxRuntimeOptions { IntraOpThreads = 1 });
        var limit = ServiceImageGenerator.DescribeModel(models, "conformance").MaxSteps;

        // "leading" spacing with steps_offset 1: 1000 steps would ask for timestep 1000 of 0..999
        Assert.Equal(999, limit);
        foreach (var kind in Enum.GetValues<SchedulerKind>())
        {
            models.Schedulers.Create(kind, limit);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => models.Schedulers.Create(SchedulerKind.Ddim, limit + 1));
    }

    [Fact]
    public async Task Serve_with_a_missing_model_folder_exits_with_a_clear_message()
    {
        var error = new StringWriter();
        var code = await ServeCommand.Create()
            .Parse(["--urls", $"http://127.0.0.1:{FreeLoopbackPort()}", "--data-dir", dataDirectory, "--models", Path.Combine(dataDirectory, "nope")])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.Equal(2, code);
        Assert.Contains("cannot load the models", error.ToString());
        Assert.Contains("model_index.json is missing", error.ToString());
    }

    [Fact]
    public async Task Serve_with_a_cache_that_cannot_open_exits_with_a_clear_message()
    {
        await File.WriteAllTextAsync(Path.Combine(dataDirectory, "cache"), "a file where the latent store's folder goes");
        var error = new StringWriter();
        var code = await ServeCommand.Create()
            .Parse(["--urls", $"http://127.0.0.1:{FreeLoopbackPort()}", "--data-dir", dataDirectory, "--models", ConformanceFixture])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error })
            .WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 2, $"exit code {code}: {error}");
        Assert.StartsWith("serve: cannot open the cache: ", error.ToString());
    }

    [Fact]
    public async Task Serve_in_process_stops_when_its_token_fires()
    {
        var port = FreeLoopbackPort();
        using var stop = new CancellationTokenSource();
        var invocation = new InvocationConfiguration { Output = new StringWriter(), Error = new StringWriter() };
        var run = ServeCommand.Create()
            .Parse(["--urls", $"http://127.0.0.1:{port}", "--data-dir", dataDirectory, "--models", ConformanceFixture])
            .InvokeAsync(invocation, stop.Token);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await WaitForHealthAsync(http, null, run);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("diffusion_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}", metrics);

        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(15)));
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/healthz"));
    }

    [Fact]
    public async Task Serve_with_bad_settings_exits_with_a_clear_message()
    {
        var error = new StringWriter();
        var code = await ServeCommand.Create()
            .Parse(["--urls", $"http://127.0.0.1:{FreeLoopbackPort()}", "--data-dir", dataDirectory, "--max-steps", "0", "--workers", "65"])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.Equal(2, code);
        Assert.Contains("Server:MaxSteps must be between 1 and 10000; it is 0.", error.ToString());
        Assert.Contains("Server:Workers must be between 1 and 64; it is 65.", error.ToString());
    }

    [Fact]
    public async Task Serve_refuses_an_address_other_machines_reach_without_keys_and_says_how_to_add_one()
    {
        var error = new StringWriter();
        var code = await ServeCommand.Create()
            .Parse(["--urls", $"http://0.0.0.0:{FreeLoopbackPort()}", "--data-dir", dataDirectory, "--models", ConformanceFixture])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.Equal(2, code);
        Assert.Contains("can be reached from other machines, and no API keys are configured", error.ToString());
        Assert.Contains("./run.sh keys add --tenant", error.ToString());
    }

    [Fact]
    public async Task Serve_rejects_a_malformed_url_before_starting()
    {
        var error = new StringWriter();
        var code = await ServeCommand.Create().Parse(["--urls", "localhost:5000"])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.NotEqual(0, code);
        Assert.Contains("'localhost:5000' is not an http:// or https:// address", error.ToString());
    }

    [Fact]
    public async Task Serve_help_lists_its_options()
    {
        var output = new StringWriter();
        var root = new RootCommand { ServeCommand.Create() }; // as Program.cs composes it; the root adds --help
        var code = await root.Parse(["serve", "--help"]).InvokeAsync(new InvocationConfiguration { Output = output });
        Assert.Equal(0, code);
        foreach (var option in new[] { "--urls", "--data-dir", "--max-n", "--max-prompt-length", "--default-steps", "--max-steps", "--max-queue", "--workers", "--retain-images", "--job-retention" })
            Assert.Contains(option, output.ToString());
    }

    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static async Task WaitForHealthAsync(HttpClient http, Process? process, Task? run = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(process?.HasExited ?? false, "serve exited early");
            Assert.False(run?.IsCompleted ?? false, "serve returned early");
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }
            Assert.True(DateTime.UtcNow < deadline, "serve did not answer /healthz in time");
            await Task.Delay(100);
        }
    }
}
