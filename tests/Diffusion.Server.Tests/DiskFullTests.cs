using System.Net;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests;

/// <summary>
/// A disk that cannot take the gallery's files: a client that takes the image in the body still gets it (with a warning);
/// one that needs a URL, or a job, gets a 503 that says why. Never a 500.
/// </summary>
public sealed class DiskFullTests : IDisposable
{
    private readonly DiffusionServerFactory factory = new();

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task An_image_that_cannot_be_stored_is_returned_in_the_body_or_refused_with_503()
    {
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);   // the store opened its folder
        // A folder the process cannot write to fails the gallery's writes the way a full disk does (an IOException).
        var images = Path.Combine(factory.DataDirectory, "images");
        Directory.Delete(images, recursive: true);
        File.WriteAllText(images, "not a folder");

        var inBody = await ApiAssert.JsonAsync(await client.GenerateAsync(new { prompt = "a kite", seed = 1 }));
        var data = inBody.GetProperty("data")[0];
        Assert.False(string.IsNullOrEmpty(data.GetProperty("b64_json").GetString()));
        Assert.Contains("not kept in the gallery", data.GetProperty("warnings")[0].GetString(), StringComparison.Ordinal);

        var asUrl = await client.GenerateAsync(new { prompt = "a kite", seed = 2, response_format = "url" });
        await ApiAssert.ErrorAsync(asUrl, HttpStatusCode.ServiceUnavailable, "could not store it");

        var job = await ApiAssert.JsonAsync(await client.CreateJobAsync(new { prompt = "a kite", seed = 3, response_format = "url" }), HttpStatusCode.Accepted);
        var id = job.GetProperty("id").GetString()!;
        System.Text.Json.JsonElement state = default;
        await Eventually.TrueAsync(async () =>
        {
            state = await ApiAssert.JsonAsync(await client.GetAsync($"/v1/jobs/{id}"));
            return state.GetProperty("status").GetString() is "failed" or "succeeded";
        }, "the job did not end");
        Assert.Equal("failed", state.GetProperty("status").GetString());
        Assert.Equal("service_unavailable", state.GetProperty("error").GetProperty("code").GetString());
    }
}
