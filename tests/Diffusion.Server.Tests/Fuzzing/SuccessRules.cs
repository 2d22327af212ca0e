using System.Text.Json;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// What a request's answer may be given its <see cref="Expectation"/>: a 2xx only where the request
/// was valid (by the oracles) and with a body that proves it (a PNG of an id the server issued, JSON
/// naming that id, a file of the web folder); and for requests an oracle calls valid, a success.
/// </summary>
public sealed class SuccessRules(KnownIds ids, WebFiles web)
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G'];

    /// <summary>Why the answer is wrong for this request, or null.</summary>
    public string? Check(FuzzRequest request, WireResponse response)
    {
        var verdict = Judge(request);
        var success = response.Status is >= 200 and < 300;
        if (verdict.Validity == Validity.Invalid && success) return $"accepted an invalid request ({verdict.Reason})";
        if (verdict.Validity == Validity.Valid && !success && response.Status != 429 && !request.TransportMayRefuse)
            return $"refused a valid request with {response.Status}";
        if (!success || request.Method == "HEAD") return null;
        // Dot segments can climb out of a route ("/v1/images/../../" is "/"): landing on a page of the web UI is no leak.
        if (web.Contains(response.Body)) return null;
        // Static files honour Range: a 206 serves a part of a web file.
        if (response.Status == 206)
            return request.HasHeader("Range") && response.Header("Content-Range") is not null && web.ContainsPart(response.Body)
                ? null : "a 206 that is not a requested part of a web file";
        var path = request.Target.Split('?')[0];
        return request.Expect switch
        {
            Expectation.NeverSuccess => $"answered {response.Status} to a method the route does not map",
            Expectation.ImageId when path.EndsWith("/metadata", StringComparison.Ordinal) => JsonNamingKnownId(response, ids.IsImage),
            Expectation.ImageId => response.MediaType == "image/png" && response.Body.AsSpan().StartsWith(PngSignature)
                                   && response.Header("ETag") is { } tag && ids.IsImage(tag.Trim('"'))
                ? null : "a success that is not the PNG of an issued image",
            Expectation.JobId when path.EndsWith("/events", StringComparison.Ordinal) =>
                response.MediaType == "text/event-stream" ? null : "job events not an event stream",
            Expectation.JobId => JsonNamingKnownId(response, ids.IsJob),
            // "/v1/models/" (an empty id) is the list route: routing ignores a trailing slash.
            Expectation.ModelId => JsonNamingKnownId(response, id => id == "test-model", orList: true),
            Expectation.WebFileOnly => web.IsApiPath(request.Target) ? null : "served something that is not a web file",
            _ => response.MediaType == "application/json" ? ParsesAsJson(response) : null,
        };
    }

    public static Verdict Judge(FuzzRequest request) => request.Expect switch
    {
        Expectation.GenerationBody => GenerationBodyOracle.Judge(request, forJob: false),
        Expectation.JobBody => GenerationBodyOracle.Judge(request, forJob: true),
        Expectation.GalleryQuery => QueryOracle.Gallery(request.Target),
        Expectation.PromptQuery => QueryOracle.PromptCheck(request.Target),
        Expectation.NeverSuccess => Verdict.Invalid("wrong method"),
        _ => Verdict.Unknown("no oracle"),
    };

    private static string? JsonNamingKnownId(WireResponse response, Func<string, bool> known, bool orList = false)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            var root = document.RootElement;
            if (orList && root.TryGetProperty("object", out var kind) && kind.GetString() == "list") return null;
            return root.TryGetProperty("id", out var id) && id.GetString() is { } value && known(value)
                ? null : "a success naming an id the server did not issue";
        }
        catch (JsonException)
        {
            return "a success whose body is not JSON";
        }
    }

    private static string? ParsesAsJson(WireResponse response)
    {
        try
        {
            using var _ = JsonDocument.Parse(response.Body);
            return null;
        }
        catch (JsonException ex)
        {
            return $"a JSON success that does not parse: {ex.Message}";
        }
    }
}
