using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Diffusion.Cli.Commands;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Imaging;
using Diffusion.Inference.Onnx;
using Diffusion.Lab.Scoring;
using Diffusion.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Diffusion.Server.Tests;

/// <summary>
/// Seeds on cache hits through the REST API, served on the shipped model family with the cache on: a
/// warm prompt asked with n = 4 gives four distinct pictures that the judge still reads correctly, and
/// the source's own prompt and seed is reported as an exact repeat.
/// </summary>
public sealed class CacheVariationApiTests : IAsyncLifetime
{
    private const string Prompt = "a large cat in the center on a blue background";
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("diffusion-variation-").FullName;
    private WebApplication app = null!;
    private HttpClient http = null!;

    public async Task InitializeAsync()
    {
        app = ServeCommand.Build("http://127.0.0.1:0", new Dictionary<string, string?> { ["Server:DataDirectory"] = dataDirectory },
            new ModelHostingOptions(Fixtures.ShippedModel, 1, ExecutionProviderKind.Cpu));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(120) };
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(dataDirectory, recursive: true);
    }

    private async Task<JsonElement[]> GenerateAsync(object body)
    {
        using var response = await http.PostAsJsonAsync("/v1/images/generations", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("data").EnumerateArray().Select(d => d.Clone()).ToArray();
    }

    [Fact]
    public async Task Four_seeds_on_a_warm_prompt_are_four_distinct_pictures_and_the_source_seed_is_an_exact_repeat()
    {
        var source = Assert.Single(await GenerateAsync(new { prompt = Prompt, seed = 1 }));
        Assert.False(source.GetProperty("cache").GetProperty("hit").GetBoolean());
        await Eventually.TrueAsync(async () =>
        {
            var metrics = JsonDocument.Parse(await http.GetStringAsync("/v1/metrics")).RootElement;
            return metrics.GetProperty("cache").GetProperty("store").GetProperty("latents").GetInt32() > 0;
        }, "the source run's latents were never stored");

        var four = await GenerateAsync(new { prompt = Prompt, n = 4, seed = 100 });
        Assert.Equal(4, four.Length);
        for (var i = 0; i < 4; i++)
        {
            var cache = four[i].GetProperty("cache");
            Assert.True(cache.GetProperty("hit").GetBoolean(), $"image {i} was not a hit");
            Assert.Equal(25, cache.GetProperty("k").GetInt32());
            Assert.Equal(1, cache.GetProperty("source_seed").GetInt64());
            Assert.False(cache.GetProperty("exact_repeat").GetBoolean());
            Assert.Equal(1.0, cache.GetProperty("variation").GetDouble());
            Assert.Equal(100 + i, four[i].GetProperty("seed").GetInt64());   // the seed that shaped it
        }
        var images = four.Select(d => PngImageCodec.DecodeToPlanar(Convert.FromBase64String(d.GetProperty("b64_json").GetString()!)).Planar).ToArray();
        for (var a = 0; a < 4; a++)
        {
            for (var b = a + 1; b < 4; b++)
            {
                var distance = images[a].Zip(images[b], (x, y) => Math.Abs(x - y)).Average() * 127.5;
                Assert.True(distance > 0.5, $"images {a} and {b} are copies (mean pixel difference {distance:0.00})");
            }
        }

        // Each variation still shows what was asked, by the judge: the background and the cat.
        var world = Path.Combine(Fixtures.ShippedModel, "world.json");
        using var judge = SceneJudge.Load(Fixtures.ShippedModel, world);
        var scene = new CanonicalPromptParser(EmojiWorld.Load(world)).Parse(Prompt);
        var checks = judge.Score(images.SelectMany(i => i).ToArray(), Enumerable.Repeat((scene, Prompt), 4).ToList());
        Assert.All(checks, c => Assert.True(c["background"], "a variation lost the blue background"));

        var repeat = Assert.Single(await GenerateAsync(new { prompt = Prompt, seed = 1 }));
        var repeatCache = repeat.GetProperty("cache");
        Assert.True(repeatCache.GetProperty("hit").GetBoolean());
        Assert.True(repeatCache.GetProperty("exact_repeat").GetBoolean());
        Assert.Equal(0.0, repeatCache.GetProperty("variation").GetDouble());
        Assert.Equal(1, repeat.GetProperty("seed").GetInt64());
    }
}
