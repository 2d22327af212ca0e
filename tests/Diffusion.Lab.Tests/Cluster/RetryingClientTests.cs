using System.Net;
using System.Text;
using Diffusion.Lab.Cluster;
using Diffusion.Replay.Client;

namespace Diffusion.Lab.Tests.Cluster;

public sealed class RetryingClientTests
{
    private const string Answer = """{"data":[{"id":"img","cache":{"hit":true,"k":10,"source_id":"e1","stored_as":"e2"}}]}""";

    /// <summary>A balancer that answers from a script and records each request's Idempotency-Key.</summary>
    private sealed class ScriptedBalancer(params Func<HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public List<string?> Keys { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Keys.Add(request.Headers.TryGetValues("Idempotency-Key", out var keys) ? keys.Single() : null);
            return Task.FromResult(answers[Math.Min(Keys.Count - 1, answers.Length - 1)]());
        }
    }

    private static HttpResponseMessage Status(HttpStatusCode status, string body = "{}", string? servedBy = null)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (servedBy is not null)
        {
            response.Headers.Add("X-Served-By", servedBy);
        }
        return response;
    }

    private static (RetryingClient Client, ScriptedBalancer Balancer) Client(TimeSpan retryFor, params Func<HttpResponseMessage>[] answers)
    {
        var balancer = new ScriptedBalancer(answers);
        var http = new HttpClient(balancer) { BaseAddress = new Uri("http://127.0.0.1:1/") };
        return (new RetryingClient(http, retryFor, TimeSpan.FromSeconds(5)), balancer);
    }

    private static readonly GenerationRequestBody Body = new("a red apple", null, 1, null, false);

    [Fact]
    public async Task A_failover_is_retried_with_the_same_key_until_an_instance_answers()
    {
        var (client, balancer) = Client(TimeSpan.FromSeconds(30),
            () => throw new HttpRequestException("connection reset"),
            () => Status(HttpStatusCode.BadGateway),
            () => Status(HttpStatusCode.OK, Answer, "s2"));

        var result = await client.SendAsync(7, Body, "key-7", CancellationToken.None);

        Assert.True(result.Answered);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(["key-7", "key-7", "key-7"], balancer.Keys);
        Assert.Equal(("s2", true, 10, "e1", "e2"), (result.Instance, result.Hit, result.K, result.SourceId, result.StoredAs));
    }

    [Fact]
    public async Task A_request_the_service_rejects_is_not_retried_and_one_that_never_gets_through_is_lost_when_its_time_is_up()
    {
        var (rejecting, rejected) = Client(TimeSpan.FromSeconds(30), () => Status(HttpStatusCode.BadRequest, """{"error":{"message":"bad"}}"""));
        var bad = await rejecting.SendAsync(1, Body, "key-1", CancellationToken.None);
        Assert.False(bad.Answered);
        Assert.Single(rejected.Keys);
        Assert.Contains("HTTP 400", bad.LastError);

        var (failing, failed) = Client(TimeSpan.FromSeconds(1), () => Status(HttpStatusCode.ServiceUnavailable));
        var lost = await failing.SendAsync(2, Body, "key-2", CancellationToken.None);
        Assert.False(lost.Answered);
        Assert.InRange(failed.Keys.Count, 2, 5);
        Assert.Contains("HTTP 503", lost.LastError);
    }
}
