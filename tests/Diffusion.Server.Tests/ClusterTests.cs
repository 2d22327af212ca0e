using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Diffusion.Server.Idempotency;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests;

/// <summary>
/// Two real service instances on the shipped models behind HAProxy, with one Redis and one shared images directory,
/// started by <c>scripts/cluster.sh</c> as a user would (loopback only).
/// </summary>
public sealed class ClusterTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("diffusion-cluster-").FullName;
    private readonly int port = ServeCommandTests.FreeLoopbackPort();
    private readonly int redisPort = ServeCommandTests.FreeLoopbackPort();
    private HttpClient balancer = null!;

    private Uri Instance(int i) => new($"http://127.0.0.1:{port + i}");

    public async Task InitializeAsync()
    {
        await ClusterAsync("up", TimeSpan.FromMinutes(4));
        balancer = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        balancer?.Dispose();
        await ClusterAsync("down", TimeSpan.FromSeconds(30));
        Directory.Delete(directory, recursive: true);
    }

    private async Task ClusterAsync(string verb, TimeSpan limit)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Fixtures.RepoRoot(), "scripts", "cluster.sh"), verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["CLUSTER_DIR"] = directory, ["CLUSTER_SIZE"] = "2", ["CLUSTER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["CLUSTER_REDIS"] = redisPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"cluster.sh {verb} failed:\n{await output}");
    }

    private static string ServedBy(HttpResponseMessage response) => response.Headers.GetValues("X-Served-By").Single();

    private async Task<(HttpResponseMessage Response, JsonElement Body)> GenerateAsync(object body, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/images/generations") { Content = Http.Json(body) };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(IdempotencyKey.Header, key);
        }
        var response = await balancer.SendAsync(request);
        return (response, await ApiAssert.JsonAsync(response));
    }

    [Fact]
    public async Task Two_instances_share_the_cache_images_and_idempotency_and_route_jobs_to_their_instance()
    {
        // A prompt made on one instance is a hit on the other (round robin alternates them; the store's update stream
        // reaches the other's index within its poll interval).
        var first = await GenerateAsync(new { prompt = "a red apple in the center on a blue background", seed = 1, steps = 10, response_format = "url" });
        var firstBy = ServedBy(first.Response);
        // Bounded by time rather than a count of tries: under the whole suite's load the writes and the stream take longer.
        JsonElement? hitElsewhere = null;
        var trying = Stopwatch.StartNew();
        var misses = new List<string>();
        for (var attempt = 0; trying.Elapsed < TimeSpan.FromSeconds(90) && hitElsewhere is null; attempt++)
        {
            var again = await GenerateAsync(new { prompt = "a red apple in the center on a blue background", seed = 2 + attempt, steps = 10 });
            var cache = again.Body.GetProperty("data")[0].GetProperty("cache");
            if (ServedBy(again.Response) != firstBy && cache.GetProperty("hit").GetBoolean())
            {
                hitElsewhere = again.Body;
            }
            else if (ServedBy(again.Response) != firstBy)
            {
                misses.Add(cache.GetRawText());
            }
        }
        Assert.True(hitElsewhere is not null, "no request served by the other instance hit the first one's cache entry; its answers: "
            + string.Join(" ", misses.TakeLast(3)) + "\n" + await InstanceLogsAsync());

        // The image answers from both instances (the shared images directory).
        var url = first.Body.GetProperty("data")[0].GetProperty("url").GetString()!;
        var path = new Uri(url).AbsolutePath;
        foreach (var i in new[] { 1, 2 })
        {
            using var direct = new HttpClient { BaseAddress = Instance(i) };
            var png = await direct.GetAsync(path);
            Assert.True(png.StatusCode == HttpStatusCode.OK, $"instance {i} answered {png.StatusCode} for {path}");
        }

        // A job is polled and streamed through the balancer: its requests stick to the instance that accepted it.
        var created = await balancer.PostAsync("/v1/jobs", Http.Json(new { prompt = "a green pear", steps = 10 }));
        var job = await ApiAssert.JsonAsync(created, HttpStatusCode.Accepted);
        var id = job.GetProperty("id").GetString()!;
        var events = await balancer.GetStringAsync($"/v1/jobs/{id}/events");
        Assert.Contains("event: result", events);
        for (var poll = 0; poll < 4; poll++)
        {
            var state = await ApiAssert.JsonAsync(await balancer.GetAsync($"/v1/jobs/{id}"));
            Assert.Equal("succeeded", state.GetProperty("status").GetString());
        }
        // and any instance answers it directly, from the job states the instances share in Redis
        foreach (var i in new[] { 1, 2 })
        {
            using var direct = new HttpClient { BaseAddress = Instance(i) };
            var state = await ApiAssert.JsonAsync(await direct.GetAsync($"/v1/jobs/{id}"));
            Assert.Equal("succeeded", state.GetProperty("status").GetString());
            Assert.Contains("event: result", await direct.GetStringAsync($"/v1/jobs/{id}/events"));
        }

        // An idempotent retry returns the first image, whichever instance it lands on.
        var body = new { prompt = "a yellow banana", seed = 9, steps = 10 };
        var once = await GenerateAsync(body, "cluster-key-1");
        var retry = await GenerateAsync(body, "cluster-key-1");
        Assert.NotEqual(ServedBy(once.Response), ServedBy(retry.Response));
        Assert.Equal(once.Body.GetProperty("data")[0].GetProperty("b64_json").GetString(), retry.Body.GetProperty("data")[0].GetProperty("b64_json").GetString());
        Assert.True(retry.Response.Headers.Contains(IdempotencyKey.ReplayedHeader));
    }

    [Fact]
    public async Task Killing_an_instance_loses_no_request_of_a_client_that_retries_with_its_key()
    {
        var pid = int.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "instance-1.pid")), System.Globalization.CultureInfo.InvariantCulture);
        // each instance runs one generation at a time, so most of these wait in a queue when the instance dies
        var requests = Enumerable.Range(0, 12).Select(i => RetryingAsync(new { prompt = $"a blue car number {i}", seed = i, steps = 50 }, $"kill-{i}")).ToList();
        await Task.Delay(1000);
        Process.GetProcessById(pid).Kill();   // SIGKILL mid-replay
        var results = await Task.WhenAll(requests);
        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.True(results.Sum(r => r.Attempts) > results.Length, "no request needed a retry: the kill hit nothing in flight");
    }

    /// <summary>The instances' last log lines, for a failure message: what the cache said it did.</summary>
    private async Task<string> InstanceLogsAsync()
    {
        var text = new StringBuilder();
        foreach (var i in new[] { 1, 2 })
        {
            var path = Path.Combine(directory, $"instance-{i}.log");
            var lines = File.Exists(path) ? await File.ReadAllLinesAsync(path) : [];
            text.AppendLine($"--- instance {i} ---").AppendJoin('\n', lines.TakeLast(25)).AppendLine();
        }
        return text.ToString();
    }

    /// <summary>What a careful client does: on a failure it retries the same request with the same key until it gets an answer.</summary>
    private async Task<(HttpStatusCode Status, int Attempts)> RetryingAsync(object body, string key)
    {
        var deadline = Stopwatch.StartNew();
        var attempts = 0;
        while (true)
        {
            try
            {
                attempts++;
                var request = new HttpRequestMessage(HttpMethod.Post, "/v1/images/generations") { Content = Http.Json(body) };
                request.Headers.TryAddWithoutValidation(IdempotencyKey.Header, key);
                var response = await balancer.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.OK || deadline.Elapsed > TimeSpan.FromMinutes(2))
                {
                    return (response.StatusCode, attempts);
                }
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromMinutes(2))
            {
            }
            await Task.Delay(250);
        }
    }
}
