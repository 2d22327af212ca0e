using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Diffusion.Server.Jobs;
using Diffusion.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.Server.Tests;

public sealed class JobsApiTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly DiffusionServerFactory factory = new();
    private readonly HttpClient client;

    public JobsApiTests() => client = factory.CreateClient();

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task Job_is_accepted_at_once_with_id_status_and_events_url()
    {
        factory.Generator.Hold();
        var response = await client.CreateJobAsync(new { prompt = "a lantern", seed = 5, steps = 4 });
        var created = await ApiAssert.JsonAsync(response, HttpStatusCode.Accepted);

        var id = created.GetProperty("id").GetString()!;
        Assert.True(JobId.TryParse(id, out _), id);
        Assert.Equal("job", created.GetProperty("object").GetString());
        Assert.Equal("queued", created.GetProperty("status").GetString());
        Assert.Equal($"http://localhost/v1/jobs/{id}/events", created.GetProperty("events_url").GetString());
        Assert.Equal($"/v1/jobs/{id}", response.Headers.Location?.OriginalString);

        await factory.Generator.WaitForStartAsync();
        var running = await ApiAssert.JsonAsync(await client.GetAsync($"/v1/jobs/{id}"));
        Assert.Equal("running", running.GetProperty("status").GetString());

        factory.Generator.Release();
        await ImageGenerationApiTests.WaitUntilAsync(() => StatusOf(id) == JobStatus.Succeeded);
        var done = await ApiAssert.JsonAsync(await client.GetAsync($"/v1/jobs/{id}"));
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(4, done.GetProperty("progress").GetProperty("step").GetInt32());
        var result = done.GetProperty("result");
        Assert.Equal(5, result.GetProperty("seed").GetInt64());
        Assert.Equal(TestPng.Create(64, 64, 5), Convert.FromBase64String(result.GetProperty("b64_json").GetString()!));
        Assert.True(result.GetProperty("timings").TryGetProperty("denoise", out _));
        Assert.Equal(JsonValueKind.Null, done.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task Events_stream_one_progress_per_step_then_the_result_then_ends()
    {
        factory.Generator.Hold();
        var id = await CreateJobAsync(new { prompt = "a kite", seed = 11, steps = 6, response_format = "url" });
        using var cts = new CancellationTokenSource(Timeout);
        using var sse = await OpenEventsAsync(id, cts.Token);

        // The opening comment means the subscription is registered; only then let the job run.
        var opening = await sse.ReadAsync(cts.Token);
        Assert.Equal("subscribed", opening?.Comment);
        factory.Generator.Release();

        for (var step = 1; step <= 6; step++)
        {
            var progress = await sse.ReadEventAsync(cts.Token);
            Assert.Equal("progress", progress?.Event);
            using var data = JsonDocument.Parse(progress!.Data!);
            Assert.Equal(step, data.RootElement.GetProperty("step").GetInt32());
            Assert.Equal(6, data.RootElement.GetProperty("total").GetInt32());
            Assert.Equal(0.01 * (6 - step), data.RootElement.GetProperty("eta_s").GetDouble(), 6);
        }

        var result = await sse.ReadEventAsync(cts.Token);
        Assert.Equal("result", result?.Event);
        using (var data = JsonDocument.Parse(result!.Data!))
        {
            Assert.Equal(11, data.RootElement.GetProperty("seed").GetInt64());
            var url = data.RootElement.GetProperty("url").GetString()!;
            var png = await client.GetByteArrayAsync(new Uri(url).PathAndQuery);
            Assert.Equal(TestPng.Create(64, 64, 11), png);
            Assert.True(data.RootElement.GetProperty("timings").GetProperty("total").GetDouble() >= 0);
            Assert.False(data.RootElement.GetProperty("cache").GetProperty("hit").GetBoolean());
        }
        Assert.Null(await sse.ReadAsync(cts.Token));
    }

    [Fact]
    public async Task A_late_subscriber_gets_the_latest_state_at_once()
    {
        var id = await CreateJobAsync(new { prompt = "done already", seed = 2, steps = 3 });
        await ImageGenerationApiTests.WaitUntilAsync(() => StatusOf(id) == JobStatus.Succeeded);

        using var cts = new CancellationTokenSource(Timeout);
        using var sse = await OpenEventsAsync(id, cts.Token);
        var result = await sse.ReadEventAsync(cts.Token);
        Assert.Equal("result", result?.Event);
        Assert.Contains("\"seed\":2", result!.Data);
        Assert.Null(await sse.ReadAsync(cts.Token));
    }

    [Fact]
    public async Task A_subscriber_joining_mid_run_gets_the_last_progress_first()
    {
        var job = Registry.Create(
            Api.Requests.GenerationRequestValidator.Validate(new Api.Contracts.ImageGenerationRequest { Prompt = "p", Steps = 10 },
                new Options.ServerOptions(), factory.Generator.Model).Value!, "http://localhost");
        Assert.True(job.TryStart());
        job.Report(new Generation.DenoiseProgress(4, 10, TimeSpan.FromSeconds(2)));

        using var cts = new CancellationTokenSource(Timeout);
        using var sse = await OpenEventsAsync(job.Id.Value, cts.Token);
        var first = await sse.ReadEventAsync(cts.Token);
        Assert.Equal("progress", first?.Event);
        using (var data = JsonDocument.Parse(first!.Data!))
        {
            Assert.Equal(4, data.RootElement.GetProperty("step").GetInt32());
            Assert.Equal(3.0, data.RootElement.GetProperty("eta_s").GetDouble(), 6);
        }

        job.Report(new Generation.DenoiseProgress(5, 10, TimeSpan.FromSeconds(2.5)));
        Assert.Contains("\"step\":5", (await sse.ReadEventAsync(cts.Token))!.Data);
        job.Fail(Api.ApiError.Unavailable("model pipeline not wired"));
        var error = await sse.ReadEventAsync(cts.Token);
        Assert.Equal("error", error?.Event);
        Assert.Contains("model pipeline not wired", error!.Data);
        Assert.Null(await sse.ReadAsync(cts.Token));
    }

    [Fact]
    public async Task Delete_cancels_a_running_job_through_the_generators_token()
    {
        factory.Generator.Hold();
        var id = await CreateJobAsync(new { prompt = "never finishes" });
        await factory.Generator.WaitForStartAsync();
        using var cts = new CancellationTokenSource(Timeout);
        using var sse = await OpenEventsAsync(id, cts.Token);
        Assert.Equal("subscribed", (await sse.ReadAsync(cts.Token))?.Comment);

        var deleted = await ApiAssert.JsonAsync(await client.DeleteAsync($"/v1/jobs/{id}"));
        Assert.Equal("cancelled", deleted.GetProperty("status").GetString());
        Assert.Equal("cancelled", deleted.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(1, factory.Generator.Cancellations);

        var error = await sse.ReadEventAsync(cts.Token);
        Assert.Equal("error", error?.Event);
        Assert.Contains("\"code\":\"cancelled\"", error!.Data);
        Assert.Null(await sse.ReadAsync(cts.Token));

        // The worker is free again.
        factory.Generator.Release();
        Assert.Equal(HttpStatusCode.OK, (await client.GenerateAsync(new { prompt = "next" })).StatusCode);
    }

    [Fact]
    public async Task Delete_of_a_queued_job_cancels_it_before_it_runs()
    {
        factory.Generator.Hold();
        var first = await CreateJobAsync(new { prompt = "occupies the worker" });
        await factory.Generator.WaitForStartAsync();
        var second = await CreateJobAsync(new { prompt = "waits" });

        var deleted = await ApiAssert.JsonAsync(await client.DeleteAsync($"/v1/jobs/{second}"));
        Assert.Equal("cancelled", deleted.GetProperty("status").GetString());

        factory.Generator.Release();
        await ImageGenerationApiTests.WaitUntilAsync(() => StatusOf(first) == JobStatus.Succeeded);
        await Task.Delay(100);
        Assert.Single(factory.Generator.Calls); // the cancelled job never reached the generator
        Assert.Equal(JobStatus.Cancelled, StatusOf(second));
    }

    [Fact]
    public async Task A_failing_generator_fails_the_job_with_an_error_event()
    {
        factory.Generator.Failure = () => new InvalidOperationException("boom");
        var id = await CreateJobAsync(new { prompt = "fails" });
        await ImageGenerationApiTests.WaitUntilAsync(() => StatusOf(id) == JobStatus.Failed);
        var job = await ApiAssert.JsonAsync(await client.GetAsync($"/v1/jobs/{id}"));
        Assert.Equal("internal_error", job.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain("boom", job.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains(factory.Logs.Entries, e => e.Exception?.Message == "boom");
    }

    [Fact]
    public async Task Finished_jobs_are_forgotten_after_the_retention()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        using var timed = new DiffusionServerFactory(new Dictionary<string, string?> { ["Server:JobRetentionSeconds"] = "60" }, time: time);
        using var timedClient = timed.CreateClient();
        var created = await ApiAssert.JsonAsync(await timedClient.CreateJobAsync(new { prompt = "short lived" }), HttpStatusCode.Accepted);
        var id = created.GetProperty("id").GetString()!;
        var jobs = timed.Services.GetRequiredService<JobRegistry>();
        await ImageGenerationApiTests.WaitUntilAsync(() => jobs.TryGet(Parse(id), out var j) && j.Status == JobStatus.Succeeded);

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(HttpStatusCode.OK, (await timedClient.GetAsync($"/v1/jobs/{id}")).StatusCode);
        time.Advance(TimeSpan.FromSeconds(1));
        await ApiAssert.ErrorAsync(await timedClient.GetAsync($"/v1/jobs/{id}"), HttpStatusCode.NotFound, "forgotten");
        Assert.Equal(0, jobs.Count);
    }

    private JobRegistry Registry => factory.Services.GetRequiredService<JobRegistry>();

    private static JobId Parse(string id) => JobId.TryParse(id, out var jobId) ? jobId : throw new FormatException(id);

    private JobStatus? StatusOf(string id) => Registry.TryGet(Parse(id), out var job) ? job.Status : null;

    private async Task<string> CreateJobAsync(object body)
    {
        var created = await ApiAssert.JsonAsync(await client.CreateJobAsync(body), HttpStatusCode.Accepted);
        return created.GetProperty("id").GetString()!;
    }

    private async Task<SseReader> OpenEventsAsync(string id, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{id}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseReader(await response.Content.ReadAsStreamAsync(cancellationToken));
    }
}
