using System.Text.Json;
using Diffusion.Replay.Records;
using Diffusion.Replay.Tests.Infrastructure;

namespace Diffusion.Replay.Tests;

public sealed class RequestLogTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("replay-log-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task Each_record_is_one_json_line_with_every_field_in_snake_case()
    {
        var path = Path.Combine(directory, "requests.jsonl");
        using (var log = new RequestLogWriter(path))
        {
            log.Append(TestRecords.Make(3, sent: 1.5, latency: 0.25, hit: true, k: 10) with
            {
                Prompt = "a \"quoted\"\ttab and ünïcode",
                Timings = new Dictionary<string, double> { ["queue"] = 0.1, ["total"] = 0.2 },
            });
            log.Append(TestRecords.Make(1, RequestOutcome.Failed, 400, error: "prompt must not be empty"));
            Assert.Equal(2, log.Count);
            // Flushed per line: readable while the writer is still open.
            using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            Assert.Equal(2, new StreamReader(reader).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }

        var lines = await File.ReadAllLinesAsync(path);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        var root = first.RootElement;
        Assert.Equal(
            ["index", "prompt", "user", "seed", "kind", "cache_mode", "scheduled_s", "sent_s", "finished_s", "latency_s", "sent_at", "finished_at",
             "outcome", "status", "error", "attempts", "retries", "image_id", "image_url", "image_seed", "cache", "timings"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, root.GetProperty("index").GetInt32());
        Assert.Equal("a \"quoted\"\ttab and ünïcode", root.GetProperty("prompt").GetString());
        Assert.Contains("ünïcode", lines[0]);   // human text stays readable in the file
        Assert.Equal("succeeded", root.GetProperty("outcome").GetString());
        Assert.Equal(0.25, root.GetProperty("latency_s").GetDouble());
        Assert.Equal(["hit", "k", "similarity", "source_id"], root.GetProperty("cache").EnumerateObject().Select(p => p.Name));
        Assert.True(root.GetProperty("cache").GetProperty("hit").GetBoolean());
        Assert.Equal(10, root.GetProperty("cache").GetProperty("k").GetInt32());
        Assert.Equal(0.2, root.GetProperty("timings").GetProperty("total").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("error").ValueKind);

        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("failed", second.RootElement.GetProperty("outcome").GetString());
        Assert.Equal(400, second.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("prompt must not be empty", second.RootElement.GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, second.RootElement.GetProperty("cache").ValueKind);

        var back = await RequestLogReader.ReadAsync(path, CancellationToken.None);
        Assert.Equal([3, 1], back.Select(r => r.Index));
        Assert.Equal(new CacheResult(true, 10, 0.9, "src"), back[0].Cache);
    }

    [Fact]
    public void A_log_never_overwrites_an_earlier_replay()
    {
        var path = Path.Combine(directory, "requests.jsonl");
        File.WriteAllText(path, "earlier\n");
        Assert.Throws<IOException>(() => new RequestLogWriter(path));
        Assert.Equal("earlier\n", File.ReadAllText(path));
    }

    [Fact]
    public async Task Concurrent_appends_give_whole_lines()
    {
        var path = Path.Combine(directory, "requests.jsonl");
        using (var log = new RequestLogWriter(path))
            await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => log.Append(TestRecords.Make(i)))));
        var back = await RequestLogReader.ReadAsync(path, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 200), back.Select(r => r.Index).Order());
    }

    [Fact]
    public async Task A_damaged_line_is_reported_with_its_number()
    {
        var path = Path.Combine(directory, "requests.jsonl");
        await File.WriteAllTextAsync(path, "{\"index\":1}\n{oops\n");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => RequestLogReader.ReadAsync(path, CancellationToken.None));
        Assert.Contains("requests.jsonl:1", error.Message);   // the first line lacks required fields
    }
}
