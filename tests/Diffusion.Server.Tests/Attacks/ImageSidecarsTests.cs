using System.Text.Json;
using Diffusion.Cli.Attacks;

namespace Diffusion.Server.Tests.Attacks;

/// <summary>The operator's view: which entry each image's run started from, read from the service's sidecars.</summary>
public sealed class ImageSidecarsTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("diffusion-sidecars-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private void Write(string id, string? source, string? storedAs) =>
        File.WriteAllText(Path.Combine(directory, id + ".json"), JsonSerializer.Serialize(new
        {
            id,
            created = "2026-01-01T00:00:00+00:00",
            metadata = new { prompt = "p", cache = new { hit = source is not null, k = source is null ? 0 : 10, source_id = source, stored_as = storedAs, shared = true, source_hidden = true } },
        }));

    [Fact]
    public void Sources_come_from_the_unredacted_reports()
    {
        Write("img_plant", null, "p1");
        Write("img_victim", "p1", "v1");
        Write("img_later", "v1", null);
        File.WriteAllBytes(Path.Combine(directory, "img_plant.png"), [1, 2, 3]);

        var sidecars = ImageSidecars.Load(directory);

        Assert.Null(sidecars.SourceOf("img_plant"));
        Assert.Equal("p1", sidecars.SourceOf("img_victim"));
        Assert.Equal("v1", sidecars.SourceOf("img_later"));
        Assert.Equal(new Dictionary<string, string?> { ["p1"] = null, ["v1"] = "p1" }, sidecars.SourceByEntry);
        Assert.Throws<KeyNotFoundException>(() => sidecars.SourceOf("img_missing"));
    }

    [Fact]
    public void A_file_that_is_not_a_sidecar_is_named()
    {
        File.WriteAllText(Path.Combine(directory, "broken.json"), "{\"id\": 1}");
        var error = Assert.Throws<InvalidDataException>(() => ImageSidecars.Load(directory));
        Assert.Contains("broken.json", error.Message);
    }
}
