using Microsoft.AspNetCore.WebUtilities;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// Whether a gallery or prompt-check query must be accepted, from the documented rules: gallery
/// keys q, since, until, cache (hit|miss|any), limit (1..500), offset (≥ 0), each at most once;
/// a prompt check needs one non-blank prompt of at most 1000 characters. The query is split and
/// decoded as ASP.NET Core does (QueryHelpers), since that is the framework's job, not the API's.
/// </summary>
public static class QueryOracle
{
    private static readonly string[] ValidTimes = ["2024-01-01T00:00:00Z", "1700000000", "0", "2030-06-01", "2024-01-01T00:00:00+02:00"];

    public static Verdict Gallery(string target)
    {
        var query = QueryHelpers.ParseQuery(Query(target));
        foreach (var (key, values) in query)
        {
            if (!QueryStrings.GalleryKeys.Contains(key)) return Verdict.Invalid($"unknown key '{key}'");
            if (values.Count > 1) return Verdict.Invalid($"repeated key '{key}'");
        }
        string? Get(string key) => query.TryGetValue(key, out var v) ? v.ToString() : null;
        if (Get("cache") is not (null or "" or "any" or "hit" or "miss")) return Verdict.Invalid("cache");
        if (Get("limit") is { } limit && !(IsDigits(limit) && int.TryParse(limit, out var l) && l is >= 1 and <= 500))
            return Verdict.Invalid("limit");
        if (Get("offset") is { } offset && !(IsDigits(offset) && int.TryParse(offset, out _))) return Verdict.Invalid("offset");
        foreach (var time in new[] { Get("since"), Get("until") })
        {
            if (time is not null && !ValidTimes.Contains(time)) return Verdict.Unknown($"time '{time}'");
        }
        return Verdict.Valid;
    }

    public static Verdict PromptCheck(string target)
    {
        var query = QueryHelpers.ParseQuery(Query(target));
        if (!query.TryGetValue("prompt", out var values)) return Verdict.Invalid("no prompt");
        if (values.Count > 1) return Verdict.Unknown("prompt repeated");
        var prompt = values.ToString();
        return string.IsNullOrWhiteSpace(prompt) || prompt.Length > 1000 ? Verdict.Invalid("prompt blank or long") : Verdict.Valid;
    }

    private static string Query(string target) => target.IndexOf('?') is var at and >= 0 ? target[at..] : "";

    private static bool IsDigits(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);
}
