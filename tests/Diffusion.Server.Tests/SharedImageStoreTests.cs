using Diffusion.CacheStore;
using Diffusion.Server.Generation;
using Diffusion.Server.Images;
using Diffusion.Server.Options;
using Diffusion.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.Server.Tests;

/// <summary>Two instances' image stores over one shared images directory (<see cref="ServerOptions.SharedImagesDirectory"/>).</summary>
public sealed class SharedImageStoreTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("diffusion-shared-images-").FullName;
    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2025-03-01T12:00:00Z"));

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Shared => Path.Combine(root, "images");

    private ImageStore Open(string instance) => new(
        Microsoft.Extensions.Options.Options.Create(new ServerOptions { DataDirectory = Path.Combine(root, instance), SharedImagesDirectory = Shared }),
        time, NullLogger<ImageStore>.Instance);

    private static ImageMetadata Metadata(string prompt, string owner = "default") => new(
        "test-model", prompt, null, null, 1, 64, 64, 20, 7.5, "ddim", CacheMode.Auto, false, null, CacheReport.Miss,
        new Dictionary<string, double>()) { Tenant = owner };

    [Fact]
    public async Task An_image_saved_by_one_instance_answers_from_the_other_for_its_tenant_only()
    {
        var a = Open("a");
        var b = Open("b");
        var record = await a.SaveAsync(Metadata("a fox", owner: "alice"), TestPng.Create(8, 8, 3), CancellationToken.None);

        Assert.True(b.TryGet(record.Id, new TenantId("alice"), out var found));
        Assert.Equal("a fox", found.Metadata.Prompt);
        await using (var png = b.OpenPng(record.Id, new TenantId("alice")))
        {
            Assert.NotNull(png);
        }
        Assert.False(b.TryGet(record.Id, new TenantId("bob"), out _));
        Assert.Null(b.OpenPng(ImageId.New(time.GetUtcNow()), new TenantId("alice")));
    }

    [Fact]
    public async Task A_listing_picks_up_the_other_instances_images()
    {
        var a = Open("a");
        var b = Open("b");
        await b.SaveAsync(Metadata("b's own"), TestPng.Create(4, 4, 1), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        await a.SaveAsync(Metadata("a's"), TestPng.Create(4, 4, 2), CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(5));
        var page = b.List(new GalleryQuery(TenantId.Default));
        Assert.Equal(["a's", "b's own"], page.Items.Select(i => i.Metadata.Prompt));
    }

    [Fact]
    public void Starting_up_leaves_a_young_png_without_its_sidecar_alone_but_clears_an_old_one()
    {
        Directory.CreateDirectory(Shared);
        var young = Path.Combine(Shared, ImageId.New(time.GetUtcNow()).Value + ".png");
        var old = Path.Combine(Shared, ImageId.New(time.GetUtcNow().AddHours(-1)).Value + ".png");
        File.WriteAllBytes(young, TestPng.Create(4, 4, 1));
        File.WriteAllBytes(old, TestPng.Create(4, 4, 2));
        File.SetLastWriteTimeUtc(young, time.GetUtcNow().UtcDateTime.AddSeconds(-10));   // another instance is saving it
        File.SetLastWriteTimeUtc(old, time.GetUtcNow().UtcDateTime.AddHours(-1));         // an interrupted save

        Open("c");

        Assert.True(File.Exists(young));
        Assert.False(File.Exists(old));
    }
}
