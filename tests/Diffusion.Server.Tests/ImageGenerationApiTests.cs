using System.Net;
using System.Text.Json;
using Diffusion.Server.Generation;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests;

public sealed class ImageGenerationApiTests : IDisposable
{
    private readonly DiffusionServerFactory factory = new();
    private readonly HttpClient client;

    public ImageGenerationApiTests() => client = factory.CreateClient();

    public void Dispose() => factory.Dispose();

    [Fact]
    public async Task Generation_returns_b64_png_with_seed_cache_report_and_timings()
    {
        var response = await client.GenerateAsync(new { prompt = "a red fox in snow", seed = 42, steps = 7 });
        var json = await ApiAssert.JsonAsync(response);

        Assert.True(json.GetProperty("created").GetInt64() > 1_600_000_000);
        var data = Assert.Single(json.GetProperty("data").EnumerateArray());
        var png = Convert.FromBase64String(data.GetProperty("b64_json").GetString()!);
        Assert.Equal(TestPng.Create(64, 64, 42), png);
        Assert.False(data.TryGetProperty("url", out _));
        Assert.Equal(42, data.GetProperty("seed").GetInt64());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("revised_prompt").ValueKind);
        var cache = data.GetProperty("cache");
        Assert.False(cache.GetProperty("hit").GetBoolean());
        Assert.Equal(0, cache.GetProperty("k").GetInt32());
        Assert.Equal(JsonValueKind.Null, cache.GetProperty("similarity").ValueKind);
        Assert.Equal(JsonValueKind.Null, cache.GetProperty("source_id").ValueKind);

        var timings = json.GetProperty("timings");
        Assert.Equal(0.07, timings.GetProperty("denoise").GetDouble(), 6);
        foreach (var stage in new[] { "queue", "store", "total", "text_encoder" }) Assert.True(timings.TryGetProperty(stage, out _), stage);

        var spec = Assert.Single(factory.Generator.Calls);
        Assert.NotNull(spec.ArrivedAt);   // stamped as the work left the queue; the rest is the body's
        Assert.Equal(new ImageGenerationSpec("a red fox in snow", null, 64, 64, 7, 7.5, 42, "ddim", CacheMode.Auto, false, null), spec with { ArrivedAt = null });
    }

    [Fact]
    public async Task A_quoted_utf8_charset_is_the_same_content_type_as_an_unquoted_one()
    {
        // Found by the fuzzer: charset="utf-8" was refused with 415 (RFC 9110 §5.6.6 makes the quoted form equal).
        var content = Http.Json("{\"prompt\":\"a red fox\",\"seed\":1}");
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=\"utf-8\"");
        using var response = await client.PostAsync("/v1/images/generations", content);
        Assert.Equal(1, (await ApiAssert.JsonAsync(response)).GetProperty("data")[0].GetProperty("seed").GetInt64());
    }

    [Fact]
    public async Task Extensions_reach_the_generator_and_n_images_get_consecutive_seeds()
    {
        factory.Generator.Cache = new CacheReport(true, 15, 0.91f, "entry-7");
        var response = await client.GenerateAsync(new
        {
            prompt = "  castle on a hill ", n = 3, size = "32x48", seed = 100, steps = 12, guidance_scale = 3.5,
            negative_prompt = "blurry", scheduler = "EULER", cache = "refresh", expand_prompt = true, user = "alice",
            model = "test-model", quality = "hd", style = "vivid",
        });
        var json = await ApiAssert.JsonAsync(response);

        var data = json.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([100L, 101L, 102L], data.Select(d => d.GetProperty("seed").GetInt64()));
        Assert.All(data, d => Assert.Equal("castle on a hill, highly detailed", d.GetProperty("revised_prompt").GetString()));
        var cache = data[0].GetProperty("cache");
        Assert.True(cache.GetProperty("hit").GetBoolean());
        Assert.Equal(15, cache.GetProperty("k").GetInt32());
        Assert.Equal(0.91, cache.GetProperty("similarity").GetDouble(), 5);
        Assert.Equal("entry-7", cache.GetProperty("source_id").GetString());
        Assert.Equal(3 * 0.12, json.GetProperty("timings").GetProperty("denoise").GetDouble(), 6);

        var specs = factory.Generator.Calls.ToList();
        Assert.Equal(3, specs.Count);
        Assert.Equal(
            new ImageGenerationSpec("castle on a hill", "blurry", 32, 48, 12, 3.5, 100, "euler", CacheMode.Refresh, true, "alice"),
            specs[0] with { ArrivedAt = null });
        Assert.All(specs, s => Assert.Equal(specs[0].ArrivedAt, s.ArrivedAt));   // one request, one arrival for all its images
        Assert.Equal([100L, 101L, 102L], specs.Select(s => s.Seed));
    }

    [Fact]
    public async Task Missing_seed_is_chosen_at_random_and_reported()
    {
        var first = await ApiAssert.JsonAsync(await client.GenerateAsync(new { prompt = "a boat" }));
        var second = await ApiAssert.JsonAsync(await client.GenerateAsync(new { prompt = "a boat" }));
        var seeds = new[] { first, second }.Select(j => j.GetProperty("data")[0].GetProperty("seed").GetInt64()).ToList();
        Assert.Equal(seeds, factory.Generator.Calls.Select(c => c.Seed));
        Assert.All(seeds, s => Assert.InRange(s, 0, uint.MaxValue));
    }

    [Fact]
    public async Task Url_format_points_to_the_stored_png_and_its_metadata()
    {
        var json = await ApiAssert.JsonAsync(await client.GenerateAsync(new { prompt = "lighthouse", seed = 9, response_format = "url" }));
        var data = json.GetProperty("data")[0];
        Assert.False(data.TryGetProperty("b64_json", out _));
        var url = new Uri(data.GetProperty("url").GetString()!);
        Assert.Equal($"/v1/images/{data.GetProperty("id").GetString()}", url.AbsolutePath);

        var image = await client.GetAsync(url.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TestPng.Create(64, 64, 9), await image.Content.ReadAsByteArrayAsync());

        var metadata = await ApiAssert.JsonAsync(await client.GetAsync(url.PathAndQuery + "/metadata"));
        Assert.Equal("lighthouse", metadata.GetProperty("prompt").GetString());
        Assert.Equal(9, metadata.GetProperty("seed").GetInt64());
        Assert.Equal("64x64", metadata.GetProperty("size").GetString());
        Assert.Equal("test-model", metadata.GetProperty("model").GetString());
        Assert.Equal("auto", metadata.GetProperty("cache_mode").GetString());
    }

    [Fact]
    public async Task Unavailable_generator_answers_503_in_openai_shape()
    {
        factory.Generator.Failure = () => new GeneratorUnavailableException("model pipeline not wired");
        var response = await client.GenerateAsync(new { prompt = "x" });
        var error = await ApiAssert.ErrorAsync(response, HttpStatusCode.ServiceUnavailable, "model pipeline not wired");
        Assert.Equal("server_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Generator_rejection_answers_400_naming_the_parameter()
    {
        factory.Generator.Failure = () => new GenerationRejectedException("prompt", "prompt is 90 tokens; the model reads 77");
        var response = await client.GenerateAsync(new { prompt = "x" });
        await ApiAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "77", param: "prompt");
    }

    [Fact]
    public async Task Unexpected_failure_is_a_logged_500_without_internals()
    {
        factory.Generator.Failure = () => new InvalidOperationException("secret internal detail at Foo.Bar()");
        var response = await client.GenerateAsync(new { prompt = "x" });
        var error = await ApiAssert.ErrorAsync(response, HttpStatusCode.InternalServerError, "trace id");
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.DoesNotContain("secret", error.GetProperty("message").GetString());
        Assert.Contains(factory.Logs.Entries, e => e.Exception?.Message.Contains("secret internal detail") == true);

        factory.Generator.Failure = null;
        Assert.Equal(HttpStatusCode.OK, (await client.GenerateAsync(new { prompt = "x" })).StatusCode);
    }

    [Fact]
    public async Task Client_disconnect_cancels_the_running_generation()
    {
        factory.Generator.Hold();
        using var abort = new CancellationTokenSource();
        var request = client.GenerateAsync(new { prompt = "slow" }, abort.Token);
        await factory.Generator.WaitForStartAsync();

        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await WaitUntilAsync(() => factory.Generator.Cancellations == 1);

        factory.Generator.Release();
        Assert.Equal(HttpStatusCode.OK, (await client.GenerateAsync(new { prompt = "next" })).StatusCode);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int timeoutMs = 10_000)
    {
        var waited = 0;
        while (!condition())
        {
            Assert.True(waited < timeoutMs, "condition not met in time");
            await Task.Delay(20);
            waited += 20;
        }
    }
}
