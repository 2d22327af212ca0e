using System.Text.Json;

namespace Diffusion.Replay.Metrics;

/// <summary>
/// Picks the counters the replay understands out of the service's <c>/v1/metrics</c> JSON. Any
/// section may be missing (the service grows); a missing section gives no counter rather than 0.
/// </summary>
public static class MetricsJsonReader
{
    public static IReadOnlyDictionary<string, double> Read(JsonElement root)
    {
        var counters = new Dictionary<string, double>(StringComparer.Ordinal);
        if (root.ValueKind != JsonValueKind.Object) return counters;

        if (root.TryGetProperty("requests", out var requests) && requests.ValueKind == JsonValueKind.Array)
        {
            double all = 0, ok = 0, refused = 0;
            foreach (var row in requests.EnumerateArray())
            {
                if (row.ValueKind != JsonValueKind.Object
                    || Text(row, "route") != CounterNames.GenerationsRoute
                    || !string.Equals(Text(row, "method"), "POST", StringComparison.OrdinalIgnoreCase)
                    || Number(row, "count") is not { } count)
                    continue;
                all += count;
                var status = Number(row, "status");
                if (status == 200) ok += count;
                if (status == 429) refused += count;
            }
            // Every status the server has seen is listed, so an absent one is a true zero.
            counters[CounterNames.GenerationRequests] = all;
            counters[CounterNames.GenerationRequestsOk] = ok;
            counters[CounterNames.GenerationRequests429] = refused;
        }

        if (Section(root, "generation") is { } generation && Section(generation, "by_outcome") is { } outcomes)
            counters[CounterNames.GenerationsSucceeded] = Number(outcomes, "succeeded") ?? 0;

        if (Section(root, "queue") is { } queue && Number(queue, "rejected") is { } rejected)
            counters[CounterNames.QueueRejections] = rejected;

        if (Number(root, "images_stored") is { } stored)
            counters[CounterNames.ImagesStored] = stored;

        if (Section(root, "cache") is { } cache)
        {
            Copy(cache, "hits", CounterNames.CacheHits);
            Copy(cache, "misses", CounterNames.CacheMisses);
            Copy(cache, "lookups", CounterNames.CacheLookups);
            if (!Copy(cache, "steps_skipped", CounterNames.CacheStepsSkipped))
                Copy(cache, "steps_saved", CounterNames.CacheStepsSkipped);
        }

        return counters;

        bool Copy(JsonElement section, string property, string name)
        {
            if (Number(section, property) is not { } value) return false;
            counters[name] = value;
            return true;
        }
    }

    private static JsonElement? Section(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var section) && section.ValueKind == JsonValueKind.Object ? section : null;

    private static double? Number(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static string? Text(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
