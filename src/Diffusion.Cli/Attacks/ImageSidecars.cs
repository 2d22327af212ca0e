using System.Text.Json;

namespace Diffusion.Cli.Attacks;

/// <summary>
/// The operator's view of the cache: each image's sidecar (<c>{images}/{id}.json</c>) holds the unredacted cache
/// report, so the bench learns which entry every run started from even where responses hide it.
/// </summary>
public sealed class ImageSidecars
{
    private readonly Dictionary<string, string?> sourceByImage = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> sourceByEntry = new(StringComparer.Ordinal);

    /// <summary>Reads every sidecar in <paramref name="imagesDirectory"/>.</summary>
    /// <exception cref="InvalidDataException">A sidecar is not the JSON the service writes.</exception>
    public static ImageSidecars Load(string imagesDirectory)
    {
        var sidecars = new ImageSidecars();
        foreach (var path in Directory.EnumerateFiles(imagesDirectory, "*.json"))
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllBytes(path));
                sidecars.Add(document.RootElement);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidDataException($"{path}: not an image sidecar ({e.Message})");
            }
        }
        return sidecars;
    }

    /// <summary>Adds one sidecar: <c>{"id": …, "metadata": {"cache": {"source_id": …, "stored_as": …}}}</c>.</summary>
    public void Add(JsonElement sidecar)
    {
        var id = sidecar.GetProperty("id").GetString() ?? throw new InvalidOperationException("id is null");
        var cache = sidecar.GetProperty("metadata").GetProperty("cache");
        var source = Text(cache, "source_id");
        sourceByImage[id] = source;
        if (Text(cache, "stored_as") is { } storedAs) sourceByEntry[storedAs] = source;
    }

    /// <summary>The entry image <paramref name="imageId"/>'s run started from; null on a miss.</summary>
    /// <exception cref="KeyNotFoundException">No sidecar for the image.</exception>
    public string? SourceOf(string imageId) =>
        sourceByImage.TryGetValue(imageId, out var source) ? source : throw new KeyNotFoundException($"no sidecar for image {imageId}");

    /// <summary>For every stored entry, the entry its run started from (null: a full run).</summary>
    public IReadOnlyDictionary<string, string?> SourceByEntry => sourceByEntry;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
