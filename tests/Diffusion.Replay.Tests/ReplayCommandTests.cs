using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Diffusion.Cli.Commands;
using Diffusion.Replay.Arrivals;
using Diffusion.Replay.Records;
using Diffusion.Replay.Tests.Infrastructure;
using SkiaSharp;

namespace Diffusion.Replay.Tests;

/// <summary>The <c>replay</c> command as the CLI runs it: bad input, an unreachable server, and the real service in-process.</summary>
public sealed class ReplayCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("replay-command-").FullName;
    private readonly StringWriter output = new();
    private readonly StringWriter error = new();

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private Task<int> RunAsync(params string[] args) =>
        ReplayCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });

    private string WriteTrace(int count)
    {
        var path = Path.Combine(directory, "trace.jsonl");
        var subjects = new[] { "a red fox", "a blue car", "a castle on a hill", "a bowl of ramen", "a lighthouse at dusk" };
        var lines = Enumerable.Range(0, count).Select(i =>
        {
            // Repeats of a few subjects, an edit now and then, one request the server must refuse.
            var prompt = i == 13 ? "" : i % 4 == 3 ? subjects[i % 5] + ", watercolor" : subjects[i % 5];
            var line = new Dictionary<string, object?> { ["prompt"] = prompt, ["timestamp"] = i * 0.5 };
            if (i % 3 != 0) line["user"] = $"user{i % 6}";
            if (i % 2 == 0) line["seed"] = 1000 + i;
            return JsonSerializer.Serialize(line);
        });
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task In_process_replay_of_30_requests_loses_nothing_and_matches_the_servers_counters()
    {
        var trace = WriteTrace(30);
        var outDir = Path.Combine(directory, "out");

        var code = await RunAsync(trace, "--in-process", "--models", RepoPaths.ConformanceModel, "--steps", "4", "--out", outDir);

        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        var lines = await File.ReadAllLinesAsync(Path.Combine(outDir, ReplayFiles.Requests));
        Assert.Equal(30, lines.Length);
        var records = await RequestLogReader.ReadAsync(Path.Combine(outDir, ReplayFiles.Requests), CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 30), records.Select(r => r.Index).Order());
        Assert.Equal(29, records.Count(r => r.Outcome == RequestOutcome.Succeeded));
        Assert.Equal(400, records.Single(r => r.Index == 13).Status);
        Assert.All(records.Where(r => r.Outcome == RequestOutcome.Succeeded), r =>
        {
            Assert.StartsWith("img_", r.ImageId);
            Assert.NotNull(r.Cache);
            Assert.True(r.Timings!.ContainsKey("total"));
        });
        Assert.Equal(1000, records.Single(r => r.Index == 0).ImageSeed);

        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, ReplayFiles.Summary)));
        var on = summary.RootElement.GetProperty("cache_on");
        Assert.Equal(0, on.GetProperty("requests").GetProperty("lost").GetInt32());
        Assert.Equal(30, on.GetProperty("requests").GetProperty("recorded").GetInt32());
        Assert.True(summary.RootElement.GetProperty("acceptance").GetProperty("passed").GetBoolean());
        Assert.True(summary.RootElement.GetProperty("in_process").GetBoolean());
        var counters = on.GetProperty("server_counters").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        var requests = counters["generation_requests"];
        Assert.Equal("match", requests.GetProperty("status").GetString());
        Assert.Equal(30, requests.GetProperty("server_delta").GetDouble());
        Assert.Equal(30, requests.GetProperty("ours").GetInt64());
        Assert.Equal("json", requests.GetProperty("source").GetString());
        Assert.Equal(29, counters["generations_succeeded"].GetProperty("server_delta").GetDouble());
        Assert.Equal("match", counters["cache_hits"].GetProperty("status").GetString());

        foreach (var plot in new[] { ReplayFiles.HitRatePlot, ReplayFiles.LatencyCdfPlot })
        {
            using var bitmap = SKBitmap.Decode(Path.Combine(outDir, plot));
            Assert.NotNull(bitmap);
            Assert.True(bitmap.Width > 100 && bitmap.Height > 100);
        }
        Assert.Contains("Acceptance: PASSED", output.ToString());
        Assert.Contains("in-process service at http://127.0.0.1:", error.ToString());
    }

    [Fact]
    public async Task A_missing_trace_is_a_clear_error()
    {
        Assert.Equal(ReplayExitCodes.BadInput, await RunAsync(Path.Combine(directory, "none.jsonl"), "--out", Path.Combine(directory, "o")));
        Assert.Contains("cannot read the trace", error.ToString());
        Assert.Contains("does not exist", error.ToString());
    }

    [Fact]
    public async Task Conflicting_or_invalid_options_are_refused_before_sending()
    {
        var trace = WriteTrace(3);
        Assert.Equal(ReplayExitCodes.BadInput, await RunAsync(trace, "--server", "http://127.0.0.1:1", "--in-process"));
        Assert.Contains("--server and --in-process exclude each other", error.ToString());
        Assert.Equal(ReplayExitCodes.BadInput, await RunAsync(trace, "--rate", "2", "--timestamps"));
        Assert.Contains("--rate and --timestamps exclude each other", error.ToString());
        Assert.Equal(ReplayExitCodes.BadInput, await RunAsync(trace, "--concurrency", "0", "--rate", "-1", "--out", Path.Combine(directory, "o")));
        Assert.Contains("--concurrency must be between 1 and 1024; it is 0", error.ToString());
        Assert.Contains("--rate must be a positive number", error.ToString());
        Assert.NotEqual(0, await RunAsync(trace, "--drain-timeout", "-5"));
        Assert.Contains("--drain-timeout must be between 0 and 86400 seconds", error.ToString());
        Assert.False(Directory.Exists(Path.Combine(directory, "o")));
    }

    [Fact]
    public async Task An_unreachable_server_is_reported_without_writing_a_replay()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var code = await RunAsync(WriteTrace(3), "--server", $"http://127.0.0.1:{port}", "--out", Path.Combine(directory, "o"));
        Assert.Equal(ReplayExitCodes.ServerUnavailable, code);
        Assert.Contains($"cannot reach the server at http://127.0.0.1:{port}", error.ToString());
        Assert.False(File.Exists(Path.Combine(directory, "o", ReplayFiles.Requests)));
    }

    [Fact]
    public async Task A_missing_model_folder_for_in_process_is_a_clear_error()
    {
        var code = await RunAsync(WriteTrace(3), "--in-process", "--models", Path.Combine(directory, "nope"), "--out", Path.Combine(directory, "o"));
        Assert.Equal(ReplayExitCodes.ServerUnavailable, code);
        Assert.Contains("cannot start the in-process service", error.ToString());
        Assert.Contains("model_index.json is missing", error.ToString());
    }

    [Fact]
    public async Task The_real_krea_log_reads_as_a_trace_when_present()
    {
        // ../shared beside the repository (or beside the worktree folder that holds it).
        var shared = new[] { "..", Path.Combine("..", "..") }
            .Select(up => Path.GetFullPath(Path.Combine(RepoPaths.Root, up, "shared", "data", "prompts", "krea-open-prompts-1k.tsv")))
            .FirstOrDefault(File.Exists);
        if (shared is null) return;   // a fresh clone without ../shared: nothing to read
        var records = await Diffusion.Replay.Traces.TraceFileReader.ReadAsync(shared, CancellationToken.None);
        var schedule = ArrivalSchedules.FromTimestamps(records.Select(r => r.Seconds).ToList(), 0.001);
        Assert.True(records.Count >= 900);
        Assert.Equal(TimeSpan.Zero, schedule[0].At);
        Assert.Equal(records.Count, schedule.Count);
        Assert.True(ArrivalSchedules.MissingTimestamps(records.Select(r => r.Seconds).ToList()) > 0);   // the real log has gaps
        // A few rows have no prompt: replayed, they become 400 answers, counted as errors.
        Assert.True(records.Count(r => r.Prompt.Length > 0) > records.Count * 0.95);
    }
}
