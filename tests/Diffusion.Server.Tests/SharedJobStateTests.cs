using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Diffusion.CacheStore;
using Diffusion.Server.Jobs;
using Diffusion.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Diffusion.Server.Tests;

/// <summary>
/// Two instances sharing their jobs' states through the real Redis ./test.sh starts: a job accepted by one is read,
/// streamed and (once ended) answered by the other; a live one can be cancelled only where it runs.
/// </summary>
public sealed class SharedJobStateTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly string prefix = $"test:jobs:{Guid.NewGuid():N}:";
    private readonly List<RedisConnection> connections = [];
    private readonly DiffusionServerFactory ownerFactory = new();
    private readonly DiffusionServerFactory otherFactory = new();
    private HttpClient owner = null!;
    private HttpClient other = null!;

    public async Task InitializeAsync()
    {
        owner = (await SharingAsync(ownerFactory)).CreateClient();
        other = (await SharingAsync(otherFactory)).CreateClient();
    }

    public async Task DisposeAsync()
    {
        ownerFactory.Generator.Release();
        ownerFactory.Dispose();
        otherFactory.Dispose();
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    private async Task<WebApplicationFactory<DiffusionServerFactory>> SharingAsync(DiffusionServerFactory factory)
    {
        var endpoint = Environment.GetEnvironmentVariable("DIFFUSION_TEST_REDIS");
        Assert.False(string.IsNullOrWhiteSpace(endpoint), "DIFFUSION_TEST_REDIS is not set: run through ./test.sh, which starts redis-server on loopback");
        var redis = await RedisConnection.ConnectAsync(new RedisCacheOptions { Configuration = endpoint! });
        connections.Add(redis);
        for (var i = 0; i < 100 && !redis.IsConnected; i++)
        {
            await Task.Delay(50);
        }
        return factory.WithWebHostBuilder(web => web.ConfigureServices(services =>
            services.AddSingleton(sp => ActivatorUtilities.CreateInstance<RedisJobMirror>(sp, redis, prefix))));
    }

    private static async Task<JsonElement> StateAsync(HttpClient client, string id) => await ApiAssert.JsonAsync(await client.GetAsync($"/v1/jobs/{id}"));

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        while (!await condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Another_instance_answers_a_jobs_state_streams_its_result_and_refuses_to_cancel_it_while_it_runs()
    {
        ownerFactory.Generator.Hold();
        var created = await ApiAssert.JsonAsync(await owner.CreateJobAsync(new { prompt = "a lantern", seed = 5, steps = 4 }), HttpStatusCode.Accepted);
        var id = created.GetProperty("id").GetString()!;
        await ownerFactory.Generator.WaitForStartAsync();

        await EventuallyAsync(async () => (await StateAsync(other, id)).GetProperty("status").GetString() == "running", "the other instance sees the job running");
        var cancel = await other.DeleteAsync($"/v1/jobs/{id}");
        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        Assert.Contains("job_runs_elsewhere", await cancel.Content.ReadAsStringAsync());

        using var cts = new CancellationTokenSource(Timeout);
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{id}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await other.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync(cts.Token));
        ownerFactory.Generator.Release();
        SseReader.Message? last = null;
        while (await events.ReadEventAsync(cts.Token) is { } message)
        {
            last = message;
        }

        Assert.Equal("result", last?.Event);
        var done = await StateAsync(owner, id);
        var seen = await StateAsync(other, id);
        Assert.Equal("succeeded", seen.GetProperty("status").GetString());
        Assert.Equal(done.GetProperty("result").GetProperty("b64_json").GetString(), seen.GetProperty("result").GetProperty("b64_json").GetString());
        Assert.Equal(done.GetProperty("result").GetProperty("b64_json").GetString(), JsonDocument.Parse(last!.Data!).RootElement.GetProperty("b64_json").GetString());
        Assert.Equal(HttpStatusCode.OK, (await other.DeleteAsync($"/v1/jobs/{id}")).StatusCode);   // ended: answered as where it ran
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync("/v1/jobs/job_0123456789abcdef01234567")).StatusCode);
    }
}
