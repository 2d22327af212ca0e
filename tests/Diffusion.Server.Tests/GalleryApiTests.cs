using System.Net;
using Diffusion.Server.Generation;
using Diffusion.Server.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.Server.Tests;

public sealed class GalleryApiTests : IDisposable
{
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("diffusion-gallery-").FullName;

    public void Dispose() => Directory.Delete(dataDirectory, recursive: true);

    [Fact]
    public async Task Gallery_lists_newest_first_with_filters_and_paging()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-05-01T00:00:00Z"));
        using var factory = new DiffusionServerFactory(dataDirectory: dataDirectory, time: time);
        using var client = factory.CreateClient();
        foreach (var (prompt, hit) in new[] { ("a red fox", false), ("a red barn", true), ("a blue lake", true) })
        {
            factory.Generator.Cache = hit ? new CacheReport(true, 10, 0.92f, "e1") : CacheReport.Miss;
            Assert.Equal(HttpStatusCode.OK, (await client.GenerateAsync(new { prompt, seed = 1 })).StatusCode);
            time.Advance(TimeSpan.FromDays(1));
        }

        var all = await ApiAssert.JsonAsync(await client.GetAsync("/v1/gallery"));
        Assert.Equal("list", all.GetProperty("object").GetString());
        Assert.Equal(3, all.GetProperty("total").GetInt32());
        Assert.False(all.GetProperty("has_more").GetBoolean());
        Assert.Equal(["a blue lake", "a red barn", "a red fox"], Prompts(all));
        var newest = all.GetProperty("data")[0];
        Assert.Equal("64x64", newest.GetProperty("size").GetString());
        Assert.Equal(50, newest.GetProperty("steps").GetInt32());
        Assert.True(newest.GetProperty("cache").GetProperty("hit").GetBoolean());
        var png = await client.GetAsync(new Uri(newest.GetProperty("url").GetString()!).PathAndQuery);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);

        Assert.Equal(["a red barn", "a red fox"], Prompts(await ApiAssert.JsonAsync(await client.GetAsync("/v1/gallery?q=RED"))));
        Assert.Equal(["a blue lake", "a red barn"], Prompts(await ApiAssert.JsonAsync(await client.GetAsync("/v1/gallery?cache=hit"))));
        Assert.Equal(["a red fox"], Prompts(await ApiAssert.JsonAsync(await client.GetAsync("/v1/gallery?cache=miss"))));
        Assert.Equal(["a red barn"], Prompts(await ApiAssert.JsonAsync(await client.GetAsync("/v1/gallery?since=2025-05-02T00:00:00Z&until=2025-05-03"))));
        var unixSince = DateTimeOffset.Parse("2025-05-03T00:00:00Z").ToUnixTimeSeconds();
        Assert.Equal(["a blue lake"], Prompts(await ApiAssert.JsonAsync(await client.GetAsync($"/v1/gallery?since={unixSince}"))));

        var page = await ApiAssert.JsonAsync(await client.GetAsync("/v1/gallery?limit=1&offset=1"));
        Assert.Equal(["a red barn"], Prompts(page));
        Assert.True(page.GetProperty("has_more").GetBoolean());
        Assert.Equal(3, page.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Images_survive_a_restart_on_the_same_data_directory()
    {
        string id;
        using (var before = new DiffusionServerFactory(dataDirectory: dataDirectory))
        {
            using var client = before.CreateClient();
            var json = await ApiAssert.JsonAsync(await client.GenerateAsync(new { prompt = "persistent", seed = 21, response_format = "url" }));
            id = json.GetProperty("data")[0].GetProperty("id").GetString()!;
        }

        using var after = new DiffusionServerFactory(dataDirectory: dataDirectory);
        using var restarted = after.CreateClient();
        var image = await restarted.GetAsync($"/v1/images/{id}");
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal(TestPng.Create(64, 64, 21), await image.Content.ReadAsByteArrayAsync());
        var gallery = await ApiAssert.JsonAsync(await restarted.GetAsync("/v1/gallery"));
        Assert.Equal(["persistent"], Prompts(gallery));
        var health = await ApiAssert.JsonAsync(await restarted.GetAsync("/healthz"));
        Assert.Equal(1, health.GetProperty("images").GetInt32());
    }

    private static List<string> Prompts(System.Text.Json.JsonElement list) =>
        list.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("prompt").GetString()!).ToList();
}
