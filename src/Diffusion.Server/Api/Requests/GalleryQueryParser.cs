using System.Globalization;
using Diffusion.Server.Images;
using Microsoft.AspNetCore.Http;

namespace Diffusion.Server.Api.Requests;

/// <summary>
/// Reads <c>GET /v1/gallery</c>'s query: <c>q</c> (prompt text), <c>since</c>/<c>until</c>
/// (ISO 8601 or Unix seconds), <c>cache</c> (hit|miss|any), <c>limit</c> (1..500, default 50),
/// <c>offset</c> (≥ 0). Unknown or repeated parameters are refused, as in the JSON API.
/// </summary>
public static class GalleryQueryParser
{
    public const int DefaultLimit = 50;
    public static readonly IReadOnlyList<string> Parameters = ["q", "since", "until", "cache", "limit", "offset"];

    public static Checked<GalleryQuery> Parse(IQueryCollection query)
    {
        foreach (var (key, values) in query)
        {
            if (!Parameters.Contains(key))
                return ApiError.Invalid($"unknown query parameter '{Clip(key)}'; accepted: {string.Join(", ", Parameters)}",
                    Clip(key), ErrorCodes.UnknownParameter);
            if (values.Count > 1)
                return ApiError.Invalid($"query parameter '{key}' appears more than once", key, ErrorCodes.DuplicateParameter);
        }

        string? Get(string name) => query.TryGetValue(name, out var v) ? v.ToString() : null;

        DateTimeOffset? since = null, until = null;
        if (Get("since") is { } sinceText && !TryParseTime(sinceText, out since))
            return BadTime("since", sinceText);
        if (Get("until") is { } untilText && !TryParseTime(untilText, out until))
            return BadTime("until", untilText);

        bool? hit;
        switch (Get("cache"))
        {
            case null or "" or "any": hit = null; break;
            case "hit": hit = true; break;
            case "miss": hit = false; break;
            case var other:
                return ApiError.Invalid($"cache '{Clip(other)}' is not a filter; use hit, miss or any", "cache");
        }

        var limit = DefaultLimit;
        if (Get("limit") is { } limitText && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit)
                                              || limit < 1 || limit > GalleryQuery.MaxLimit))
            return ApiError.Invalid($"limit must be an integer between 1 and {GalleryQuery.MaxLimit}; it is '{Clip(limitText)}'", "limit");

        var offset = 0;
        if (Get("offset") is { } offsetText && !int.TryParse(offsetText, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
            return ApiError.Invalid($"offset must be a non-negative integer; it is '{Clip(offsetText)}'", "offset");

        var text = Get("q");
        return Checked<GalleryQuery>.Ok(new GalleryQuery(default, string.IsNullOrWhiteSpace(text) ? null : text.Trim(), since, until, hit, offset, limit));
    }

    private static bool TryParseTime(string text, out DateTimeOffset? time)
    {
        time = null;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            if (seconds < 0 || seconds > 253_402_300_799) return false;
            time = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return true;
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        time = parsed;
        return true;
    }

    private static ApiError BadTime(string name, string text) =>
        ApiError.Invalid($"{name} must be an ISO 8601 date/time or Unix seconds; it is '{Clip(text)}'", name);

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
