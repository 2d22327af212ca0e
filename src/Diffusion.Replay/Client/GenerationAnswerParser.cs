using System.Text.Json;
using Diffusion.Replay.Records;

namespace Diffusion.Replay.Client;

/// <summary>
/// Reads the service's answer: on 200 the first image's id, url, seed and cache report plus the
/// timings; otherwise the OpenAI-style error message. Tolerant of fields that are absent.
/// </summary>
public static class GenerationAnswerParser
{
    private const int MaxErrorLength = 300;

    public static GenerationAnswer Parse(int status, string body, int attempts, int retries)
    {
        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, a truncated body): reported as text below.
        }

        using (document)
        {
            var root = document?.RootElement;
            if (status == 200)
            {
                if (root is { ValueKind: JsonValueKind.Object } r
                    && r.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0
                    && data[0].ValueKind == JsonValueKind.Object)
                {
                    var image = data[0];
                    return new GenerationAnswer(RequestOutcome.Succeeded, status, null, attempts, retries,
                        ImageId: String(image, "id"),
                        ImageUrl: String(image, "url"),
                        ImageSeed: image.TryGetProperty("seed", out var seed) && seed.TryGetInt64(out var s) ? s : null,
                        Cache: image.TryGetProperty("cache", out var cache) ? ParseCache(cache) : null,
                        Timings: r.TryGetProperty("timings", out var timings) ? ParseTimings(timings) : null);
                }
                return new GenerationAnswer(RequestOutcome.Failed, status, "the 200 answer holds no image (no data[0])", attempts, retries);
            }

            var message = root is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty("error", out var error)
                          && error.ValueKind == JsonValueKind.Object && String(error, "message") is { } m
                ? m
                : Clip(body.Trim());
            return new GenerationAnswer(RequestOutcome.Failed, status, message.Length == 0 ? $"HTTP {status}" : message, attempts, retries);
        }
    }

    private static CacheResult? ParseCache(JsonElement cache)
    {
        if (cache.ValueKind != JsonValueKind.Object) return null;
        var hit = cache.TryGetProperty("hit", out var h) && h.ValueKind == JsonValueKind.True;
        var k = cache.TryGetProperty("k", out var kk) && kk.TryGetInt32(out var kv) ? kv : 0;
        double? similarity = cache.TryGetProperty("similarity", out var sim) && sim.ValueKind == JsonValueKind.Number ? sim.GetDouble() : null;
        return new CacheResult(hit, k, similarity, String(cache, "source_id")) { StoredAs = String(cache, "stored_as") };
    }

    private static Dictionary<string, double>? ParseTimings(JsonElement timings)
    {
        if (timings.ValueKind != JsonValueKind.Object) return null;
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var stage in timings.EnumerateObject())
        {
            if (stage.Value.ValueKind == JsonValueKind.Number) result[stage.Name] = stage.Value.GetDouble();
        }
        return result;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Clip(string text) => text.Length <= MaxErrorLength ? text : text[..MaxErrorLength] + "...";
}
