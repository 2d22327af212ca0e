using System.Net;
using Diffusion.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Diffusion.Server.Tests;

/// <summary>The browser UI's pages and files as the web host serves them (Api/WebUi.cs).</summary>
public sealed class WebUiTests
{
    [Fact]
    public async Task Pages_and_their_files_are_served_from_the_copied_web_folder_and_revalidated()
    {
        using var factory = new DiffusionServerFactory();
        using var client = factory.CreateClient();

        foreach (var (path, marker) in new[] { ("/", "<title>Gallery"), ("/dashboard", "<title>Dashboard") })
        {
            using var page = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Equal("no-cache", page.Headers.CacheControl?.ToString());
            Assert.Contains(marker, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var script = await client.GetAsync("/js/gallery/main.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", script.Headers.CacheControl?.ToString());
        Assert.NotNull(script.Headers.ETag);
        using var style = await client.GetAsync("/css/site.css");
        Assert.Equal("text/css", style.Content.Headers.ContentType?.MediaType);

        // An unknown file is the API's ordinary 404, and the UI's pages are not in the OpenAPI document.
        await ApiAssert.ErrorAsync(await client.GetAsync("/js/nothing.js"), HttpStatusCode.NotFound, "no endpoint GET /js/nothing.js");
        var openApi = await client.GetStringAsync("/openapi/v1.json");
        Assert.DoesNotContain("\"/dashboard\"", openApi, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_web_folder_is_logged_at_start_up_and_the_pages_say_why_while_the_api_works()
    {
        var missing = Path.Combine(Path.GetTempPath(), "diffusion-no-web-" + Guid.NewGuid().ToString("N"));
        using var factory = new DiffusionServerFactory(new Dictionary<string, string?> { ["WebUi:Directory"] = missing });
        using var client = factory.CreateClient();

        var error = await ApiAssert.ErrorAsync(await client.GetAsync("/dashboard"), HttpStatusCode.ServiceUnavailable, "the web UI is not installed");
        Assert.Contains(missing, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(factory.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains($"WebUi:Directory '{missing}' does not exist", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }
}
