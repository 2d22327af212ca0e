using System.Text.Json;

namespace Diffusion.Cli.Soak;

/// <summary>What a job answer (GET /v1/jobs/{id}, or an SSE result/error event) says.</summary>
public sealed record JobView(string? Status, string? Reason, ServedHit? Hit, bool HasImage)
{
    /// <summary>The error's <c>code</c> on a failed job (internal_error, service_unavailable, ...).</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The HTTP status a synchronous request would have got for this failure: 500 or 503 for the server's own errors, else null.</summary>
    public int? ServerStatus => ErrorCode switch
    {
        "internal_error" => 500,
        "service_unavailable" => 503,
        _ => null,
    };
}

/// <summary>Reads the service's job and image answers; tolerant of missing fields.</summary>
public static class JobAnswers
{
    /// <summary>The <c>id</c> of a 202 answer.</summary>
    public static string? CreatedId(string body) => Read(body, root => Text(root, "id"));

    /// <summary>A job's state: its status, the error message of a failed one, and the result's cache hit.</summary>
    public static JobView? State(string body) => Read(body, root =>
    {
        var result = root.TryGetProperty("result", out var r) && r.ValueKind == JsonValueKind.Object ? r : (JsonElement?)null;
        var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : (JsonElement?)null;
        return new JobView(Text(root, "status"), error is { } m ? Text(m, "message") : null, result is { } value ? Hit(value) : null, result is not null)
        {
            ErrorCode = error is { } c ? Text(c, "code") : null,
        };
    });

    /// <summary>An SSE <c>result</c> event's data: the image with its <c>cache</c> object.</summary>
    public static JobView? ResultEvent(string data) =>
        Read(data, root => new JobView(JobStates.Succeeded, null, Hit(root), Text(root, "id") is not null || Text(root, "url") is not null));

    /// <summary>An SSE <c>error</c> event's data (an error response).</summary>
    public static JobView? ErrorEvent(string data) => Read(data, root =>
    {
        var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : root;
        return new JobView(JobStates.Failed, Text(error, "message"), null, false) { ErrorCode = Text(error, "code") };
    });

    /// <summary>A synchronous generation's 200 answer: its first image and that image's cache hit.</summary>
    public static JobView? Images(string body) => Read(body, root =>
    {
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array || data.GetArrayLength() == 0
            || data[0].ValueKind != JsonValueKind.Object)
            return new JobView(null, "the 200 answer holds no image (no data[0])", null, false);
        return new JobView(JobStates.Succeeded, null, Hit(data[0]), true);
    });

    /// <summary>The hit an image's <c>cache</c> object reports: source entry and K; null on a miss.</summary>
    public static ServedHit? Hit(JsonElement image)
    {
        if (!image.TryGetProperty("cache", out var cache) || cache.ValueKind != JsonValueKind.Object) return null;
        var hit = cache.TryGetProperty("hit", out var h) && h.ValueKind == JsonValueKind.True;
        var k = cache.TryGetProperty("k", out var kk) && kk.TryGetInt32(out var kv) ? kv : 0;
        return hit && Text(cache, "source_id") is { } source && k > 0 ? new ServedHit(source, k) : null;
    }

    private static T? Read<T>(string json, Func<JsonElement, T?> read) where T : class
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object ? read(document.RootElement) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
