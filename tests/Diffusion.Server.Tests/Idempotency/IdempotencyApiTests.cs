using System.Net;
using System.Text;
using Diffusion.Server.Api;
using Diffusion.Server.Idempotency;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests.Idempotency;

/// <summary>Idempotency-Key on the generation endpoints, through the real host with a fake generator and the in-memory store.</summary>
public sealed class IdempotencyApiTests : IDisposable
{
    private readonly DiffusionServerFactory factory = new();
    private readonly HttpClient client;

    public IdempotencyApiTests() => client = factory.CreateClient();

    public void Dispose() => factory.Dispose();

    private Task<HttpResponseMessage> PostAsync(string path, string body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(IdempotencyKey.Header, key);
        }
        return client.SendAsync(request);
    }

    private static bool Replayed(HttpResponseMessage response) =>
        response.Headers.TryGetValues(IdempotencyKey.ReplayedHeader, out var values) && values.Single() == "true";

    [Fact]
    public async Task A_retry_with_the_same_key_gets_the_first_response_without_a_second_generation()
    {
        const string body = "{\"prompt\":\"a red fox\",\"seed\":7,\"response_format\":\"url\"}";
        var first = await PostAsync("/v1/images/generations", body, "key-1");
        var retry = await PostAsync("/v1/images/generations", body, "key-1");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.False(Replayed(first));
        Assert.True(Replayed(retry));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal("application/json", retry.Content.Headers.ContentType?.MediaType);
        Assert.Single(factory.Generator.Calls);

        // another key, or none, is new work
        Assert.False(Replayed(await PostAsync("/v1/images/generations", body, "key-2")));
        Assert.False(Replayed(await PostAsync("/v1/images/generations", body, null)));
        Assert.Equal(3, factory.Generator.Calls.Count);
    }

    [Fact]
    public async Task A_retry_during_the_first_attempt_waits_for_it_and_shares_its_image()
    {
        const string body = "{\"prompt\":\"a slow owl\",\"seed\":3}";
        factory.Generator.Hold();
        var first = PostAsync("/v1/images/generations", body, "slow");
        await factory.Generator.WaitForStartAsync();
        var retry = PostAsync("/v1/images/generations", body, "slow");
        await Task.Delay(500);
        Assert.False(retry.IsCompleted);   // waiting on the running attempt, not generating again
        factory.Generator.Release();

        Assert.Equal(await (await first).Content.ReadAsStringAsync(), await (await retry).Content.ReadAsStringAsync());
        Assert.True(Replayed(await retry));
        Assert.Single(factory.Generator.Calls);
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_refused_and_a_malformed_key_is_named()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/v1/images/generations", "{\"prompt\":\"one\"}", "k")).StatusCode);
        var other = await PostAsync("/v1/images/generations", "{\"prompt\":\"two\"}", "k");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Contains("already used for a different request", await other.Content.ReadAsStringAsync());

        var spaced = await PostAsync("/v1/images/generations", "{\"prompt\":\"one\"}", "has space");
        Assert.Equal(HttpStatusCode.BadRequest, spaced.StatusCode);
        var error = await ApiAssert.JsonAsync(spaced, HttpStatusCode.BadRequest);
        Assert.Equal(IdempotencyKey.Header, error.GetProperty("error").GetProperty("param").GetString());
        Assert.Single(factory.Generator.Calls);
    }

    [Fact]
    public async Task A_failed_attempt_is_not_kept_so_its_retry_runs_again()
    {
        const string body = "{\"prompt\":\"a flaky fox\"}";
        factory.Generator.Failure = () => new Generation.GeneratorUnavailableException("the model is warming up");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await PostAsync("/v1/images/generations", body, "flaky")).StatusCode);
        factory.Generator.Failure = null;
        var retry = await PostAsync("/v1/images/generations", body, "flaky");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.False(Replayed(retry));
        Assert.Equal(2, factory.Generator.Calls.Count);
    }

    [Fact]
    public async Task A_job_created_with_a_key_is_the_same_job_on_retry()
    {
        const string body = "{\"prompt\":\"a heron\",\"seed\":5}";
        var first = await PostAsync("/v1/jobs", body, "job-key");
        var retry = await PostAsync("/v1/jobs", body, "job-key");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var id = (await ApiAssert.JsonAsync(first, HttpStatusCode.Accepted)).GetProperty("id").GetString();
        Assert.Equal(id, (await ApiAssert.JsonAsync(retry, HttpStatusCode.Accepted)).GetProperty("id").GetString());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.True(Replayed(retry));
    }

    [Fact]
    public async Task Keys_belong_to_their_tenant()
    {
        using var keyed = new DiffusionServerFactory(new Dictionary<string, string?>
        {
            ["Server:ApiKeys"] = "alice:user:alice-key-0123456789; bob:user:bob-key-0123456789ab",
        });
        var http = keyed.CreateClient();
        async Task<HttpResponseMessage> As(string apiKey)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/images/generations")
            {
                Content = new StringContent("{\"prompt\":\"a shared key\"}", Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {apiKey}");
            request.Headers.TryAddWithoutValidation(IdempotencyKey.Header, "same");
            return await http.SendAsync(request);
        }
        Assert.False(Replayed(await As("alice-key-0123456789")));
        Assert.False(Replayed(await As("bob-key-0123456789ab")));   // bob's key is his own, not alice's
        Assert.True(Replayed(await As("alice-key-0123456789")));
        Assert.Equal(2, keyed.Generator.Calls.Count);
    }
}
