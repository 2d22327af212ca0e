using Diffusion.CacheStore;
using System.Text.Json;
using Diffusion.Server.Generation;
using Diffusion.Server.Images;
using Diffusion.Server.Options;
using Diffusion.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.Server.Tests;

public sealed class ImageStoreTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("diffusion-image-store-").FullName;
    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2025-03-01T12:00:00Z"));

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private ImageStore Open(int retention = 100) => new(
        Microsoft.Extensions.Options.Options.Create(new ServerOptions { DataDirectory = directory, ImageRetentionCount = retention }),
        time, NullLogger<ImageStore>.Instance);

    private static ImageMetadata Metadata(string prompt, bool hit = false, long seed = 1) => new(
        "test-model", prompt, null, null, seed, 64, 64, 20, 7.5, "ddim", CacheMode.Auto, false, "bob",
        hit ? new CacheReport(true, 10, 0.93f, "entry-1") : CacheReport.Miss,
        new Dictionary<string, double> { ["denoise"] = 0.5 });

    [Fact]
    public async Task Saved_image_round_trips_png_and_metadata()
    {
        var store = Open();
        var png = TestPng.Create(64, 64, 77);
        var record = await store.SaveAsync(Metadata("a cat", hit: true, seed: 77), png, CancellationToken.None);

        Assert.Equal(time.GetUtcNow(), record.Created);
        Assert.True(store.TryGet(record.Id, TenantId.Default, out var found));
        Assert.Equal("a cat", found.Metadata.Prompt);
        Assert.Equal(new CacheReport(true, 10, 0.93f, "entry-1"), found.Metadata.Cache);
        await using (var stream = store.OpenPng(record.Id, TenantId.Default)!)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.Equal(png, copy.ToArray());
        }

        var files = Directory.GetFiles(Path.Combine(directory, "images")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal([record.Id + ".json", record.Id + ".png"], files);
        using var sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "images", record.Id + ".json")));
        Assert.Equal("a cat", sidecar.RootElement.GetProperty("metadata").GetProperty("prompt").GetString());
        Assert.Equal(77, sidecar.RootElement.GetProperty("metadata").GetProperty("seed").GetInt64());
        Assert.Equal("auto", sidecar.RootElement.GetProperty("metadata").GetProperty("cache_mode").GetString());
    }

    [Fact]
    public async Task A_new_store_on_the_same_directory_sees_every_image()
    {
        var first = Open();
        var a = await first.SaveAsync(Metadata("first"), TestPng.Create(4, 4, 1), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        var b = await first.SaveAsync(Metadata("second"), TestPng.Create(4, 4, 2), CancellationToken.None);

        var reopened = Open();
        Assert.Equal(2, reopened.Count);
        Assert.Equal([b.Id, a.Id], reopened.List(new GalleryQuery()).Items.Select(i => i.Id));
        Assert.True(reopened.TryGet(a.Id, TenantId.Default, out var loaded));
        Assert.Equal(a, loaded with { Metadata = a.Metadata });
        Assert.Equal(a.Metadata.Timings, loaded.Metadata.Timings);
    }

    [Fact]
    public async Task Interrupted_saves_and_temp_files_are_cleaned_at_start()
    {
        var store = Open();
        var kept = await store.SaveAsync(Metadata("kept"), TestPng.Create(4, 4, 1), CancellationToken.None);
        var images = Path.Combine(directory, "images");
        var orphan = ImageId.New(time.GetUtcNow().AddSeconds(5));
        File.WriteAllBytes(Path.Combine(images, orphan + ".png"), TestPng.Create(4, 4, 9)); // crash before its sidecar
        File.WriteAllText(Path.Combine(images, "img_0000000000aa00000000.png.abc.tmp"), "half written");
        var noPng = ImageId.New(time.GetUtcNow().AddSeconds(6));
        File.WriteAllText(Path.Combine(images, noPng + ".json"), "{}");
        File.WriteAllText(Path.Combine(images, "notes.json"), "not ours");

        var reopened = Open();
        Assert.Equal([kept.Id], reopened.List(new GalleryQuery()).Items.Select(i => i.Id));
        Assert.False(File.Exists(Path.Combine(images, orphan + ".png")));
        Assert.Empty(Directory.GetFiles(images, "*.tmp"));
        Assert.False(File.Exists(Path.Combine(images, noPng + ".json")));
        Assert.True(File.Exists(Path.Combine(images, "notes.json")));
    }

    [Fact]
    public async Task A_corrupt_sidecar_is_skipped_not_fatal()
    {
        var store = Open();
        var good = await store.SaveAsync(Metadata("good"), TestPng.Create(4, 4, 1), CancellationToken.None);
        var bad = await store.SaveAsync(Metadata("bad"), TestPng.Create(4, 4, 2), CancellationToken.None);
        File.WriteAllText(Path.Combine(directory, "images", bad.Id + ".json"), "{ torn");

        var reopened = Open();
        Assert.True(reopened.TryGet(good.Id, TenantId.Default, out _));
        Assert.False(reopened.TryGet(bad.Id, TenantId.Default, out _));
    }

    [Fact]
    public async Task Retention_deletes_the_oldest_images()
    {
        var store = Open(retention: 3);
        var ids = new List<ImageId>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await store.SaveAsync(Metadata($"p{i}"), TestPng.Create(4, 4, (byte)i), CancellationToken.None)).Id);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(3, store.Count);
        Assert.Equal([ids[4], ids[3], ids[2]], store.List(new GalleryQuery()).Items.Select(i => i.Id));
        Assert.Null(store.OpenPng(ids[0], TenantId.Default));
        Assert.Equal(6, Directory.GetFiles(Path.Combine(directory, "images")).Length);

        // Lowering the retention trims at start-up as well.
        Assert.Equal([ids[4]], Open(retention: 1).List(new GalleryQuery()).Items.Select(i => i.Id));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(directory, "images")).Length);
    }

    [Fact]
    public async Task Listing_filters_by_text_date_and_cache_result_with_paging()
    {
        var store = Open();
        var start = time.GetUtcNow();
        var records = new List<ImageRecord>();
        foreach (var (prompt, hit) in new[] { ("Red fox", false), ("blue whale", true), ("red panda", true), ("green frog", false) })
        {
            records.Add(await store.SaveAsync(Metadata(prompt, hit), TestPng.Create(4, 4, 1), CancellationToken.None));
            time.Advance(TimeSpan.FromHours(1));
        }

        Assert.Equal(["red panda", "Red fox"], Prompts(store.List(new GalleryQuery(Text: "RED"))));
        Assert.Equal(["red panda", "blue whale"], Prompts(store.List(new GalleryQuery(CacheHit: true))));
        Assert.Equal(["green frog", "Red fox"], Prompts(store.List(new GalleryQuery(CacheHit: false))));
        Assert.Equal(["red panda", "blue whale"], Prompts(store.List(new GalleryQuery(Since: start.AddHours(1), Until: start.AddHours(3)))));
        var page = store.List(new GalleryQuery(Offset: 1, Limit: 2));
        Assert.Equal(["red panda", "blue whale"], Prompts(page));
        Assert.Equal(4, page.Total);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("img_../../../etc/pass")]
    [InlineData("img_0000000000000000000/")]
    [InlineData("img_000000000000000000.0")]
    [InlineData("img_00000000000000000000.png")]
    [InlineData("IMG_00000000000000000000")]
    [InlineData("img_0000000000000000000G")]
    [InlineData("img_0000000000000000000")]
    [InlineData("")]
    [InlineData(null)]
    public void Image_ids_that_could_escape_the_directory_are_rejected(string? text)
    {
        Assert.False(ImageId.TryParse(text, out _));
        Assert.Throws<FormatException>(() => ImageId.Parse(text!));
    }

    [Fact]
    public void New_ids_are_valid_and_ordered_by_time()
    {
        var earlier = ImageId.New(DateTimeOffset.FromUnixTimeMilliseconds(1_000));
        var later = ImageId.New(DateTimeOffset.FromUnixTimeMilliseconds(2_000));
        Assert.True(ImageId.TryParse(earlier.Value, out var parsed));
        Assert.Equal(earlier, parsed);
        Assert.True(string.CompareOrdinal(earlier.Value, later.Value) < 0);
        Assert.Equal(ImageId.Length, earlier.Value.Length);
    }

    private static List<string> Prompts(GalleryPage page) => page.Items.Select(i => i.Metadata.Prompt).ToList();
}
