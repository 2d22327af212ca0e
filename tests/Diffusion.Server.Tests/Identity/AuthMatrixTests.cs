using System.Net;
using System.Net.Http.Headers;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests.Identity;

/// <summary>
/// Who may see what, with keys configured: no key or a wrong key is 401 everywhere but health; another tenant's
/// images, jobs, events and gallery entries answer exactly like missing ones (404); metrics need an admin key;
/// the tenant comes from the key, never from the body's user.
/// </summary>
public sealed class AuthMatrixTests : IDisposable
{
    private const string AliceKey = "alice-key-0123456789";
    private const string BobKey = "bob-key-0123456789ab";
    private const string OpsKey = "ops-key-0123456789ab";

    private readonly DiffusionServerFactory factory = new(new Dictionary<string, string?>
    {
        ["Server:ApiKeys"] = $"alice:user:{AliceKey}; bob:{BobKey}; ops:admin:{OpsKey}",
    });

    public void Dispose() => factory.Dispose();

    private HttpClient Client(string? key, string scheme = "Bearer")
    {
        var client = factory.CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, key);
        return client;
    }

    [Fact]
    public async Task Without_a_valid_key_every_api_endpoint_is_401_and_health_stays_public()
    {
        foreach (var client in new[] { Client(null), Client("not-a-key-at-all-xxxx"), Client(AliceKey, "Basic") })
        {
            foreach (var (method, path) in new[]
                     {
                         (HttpMethod.Post, "/v1/images/generations"), (HttpMethod.Post, "/v1/jobs"), (HttpMethod.Get, "/v1/gallery"),
                         (HttpMethod.Get, "/v1/images/img_01a24b1e16b8488138cf"), (HttpMethod.Get, "/v1/jobs/job_0123456789abcdef01234567"),
                         (HttpMethod.Get, "/v1/jobs/job_0123456789abcdef01234567/events"), (HttpMethod.Get, "/v1/models"),
                         (HttpMethod.Get, "/v1/metrics"), (HttpMethod.Get, "/metrics"), (HttpMethod.Get, "/v1/prompts/check?prompt=a+cat"),
                     })
            {
                using var request = new HttpRequestMessage(method, path) { Content = method == HttpMethod.Post ? Http.Json(new { prompt = "a cat" }) : null };
                var response = await client.SendAsync(request);
                await ApiAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "API key");
                Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
            }
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        }
        Assert.Empty(factory.Generator.Calls);
    }

    [Fact]
    public async Task Another_tenants_images_jobs_events_and_gallery_answer_like_missing_ones()
    {
        var alice = Client(AliceKey);
        var bob = Client(BobKey);

        var made = await ApiAssert.JsonAsync(await alice.GenerateAsync(new { prompt = "a red fox", seed = 3, response_format = "url", user = "bob" }));
        var imageId = made.GetProperty("data")[0].GetProperty("id").GetString()!;
        var job = await ApiAssert.JsonAsync(await alice.CreateJobAsync(new { prompt = "a kite", seed = 4 }), HttpStatusCode.Accepted);
        var jobId = job.GetProperty("id").GetString()!;
        await Eventually.TrueAsync(async () =>
            (await ApiAssert.JsonAsync(await alice.GetAsync($"/v1/jobs/{jobId}"))).GetProperty("status").GetString() == "succeeded", "the job did not finish");

        // Alice sees her own work.
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/v1/images/{imageId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/v1/images/{imageId}/metadata")).StatusCode);
        var aliceGallery = await ApiAssert.JsonAsync(await alice.GetAsync("/v1/gallery"));
        Assert.Equal(2, aliceGallery.GetProperty("total").GetInt32());
        // The body's user is a label inside Alice's tenant: it does not hand the image to Bob.
        Assert.Contains(aliceGallery.GetProperty("data").EnumerateArray(), i => i.GetProperty("user").GetString() == "bob");

        // Bob gets exactly what a missing id gets.
        const string missingImage = "img_01a24b1e16b8488138cf";
        const string missingJob = "job_0123456789abcdef01234567";
        foreach (var (foreign, missing) in new[]
                 {
                     ($"/v1/images/{imageId}", $"/v1/images/{missingImage}"),
                     ($"/v1/images/{imageId}/metadata", $"/v1/images/{missingImage}/metadata"),
                     ($"/v1/jobs/{jobId}", $"/v1/jobs/{missingJob}"),
                     ($"/v1/jobs/{jobId}/events", $"/v1/jobs/{missingJob}/events"),
                 })
        {
            var foreignError = await ApiAssert.ErrorAsync(await bob.GetAsync(foreign), HttpStatusCode.NotFound);
            var missingError = await ApiAssert.ErrorAsync(await bob.GetAsync(missing), HttpStatusCode.NotFound);
            Assert.Equal(missingError.GetProperty("code").GetString(), foreignError.GetProperty("code").GetString());
            Assert.Equal(Shape(missingError.GetProperty("message").GetString()!), Shape(foreignError.GetProperty("message").GetString()!));
        }
        await ApiAssert.ErrorAsync(await bob.DeleteAsync($"/v1/jobs/{jobId}"), HttpStatusCode.NotFound);
        Assert.Equal(0, (await ApiAssert.JsonAsync(await bob.GetAsync("/v1/gallery"))).GetProperty("total").GetInt32());
        Assert.Equal(0, (await ApiAssert.JsonAsync(await bob.GetAsync("/v1/gallery?q=fox"))).GetProperty("total").GetInt32());

        // Each tenant's usage counts its own work only.
        var aliceSession = await ApiAssert.JsonAsync(await alice.GetAsync("/v1/session"));
        Assert.Equal(("alice", "user", 2), (aliceSession.GetProperty("tenant").GetString(), aliceSession.GetProperty("role").GetString(),
            aliceSession.GetProperty("images").GetInt32()));
        Assert.Equal(0, (await ApiAssert.JsonAsync(await bob.GetAsync("/v1/session"))).GetProperty("images").GetInt32());

        // The cache partition follows the key too: every generation ran as Alice's tenant.
        Assert.All(factory.Generator.Calls, spec => Assert.Equal("alice", spec.Tenant.Value));
    }

    [Fact]
    public async Task Metrics_need_an_admin_key()
    {
        foreach (var path in new[] { "/metrics", "/v1/metrics" })
        {
            await ApiAssert.ErrorAsync(await Client(AliceKey).GetAsync(path), HttpStatusCode.Forbidden, "admin key");
            Assert.Equal(HttpStatusCode.OK, (await Client(OpsKey).GetAsync(path)).StatusCode);
        }
    }

    [Fact]
    public async Task An_admin_is_a_tenant_too_and_does_not_see_other_tenants_images()
    {
        var made = await ApiAssert.JsonAsync(await Client(AliceKey).GenerateAsync(new { prompt = "a boat", response_format = "url" }));
        var imageId = made.GetProperty("data")[0].GetProperty("id").GetString()!;
        await ApiAssert.ErrorAsync(await Client(OpsKey).GetAsync($"/v1/images/{imageId}"), HttpStatusCode.NotFound);
    }

    // Messages name the id asked for; the rest must be the same words.
    private static string Shape(string message) => System.Text.RegularExpressions.Regex.Replace(message, "(img|job)_[0-9a-f]+", "ID");
}
