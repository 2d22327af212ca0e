using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// Says, independently of the server's code, whether a generation request must be accepted: the
/// rules of the README and the served test model (prompt required, non-blank, at most 1000
/// characters, no NUL; n 1..4, and 1 for a job; sizes 64x64 and 32x48; steps 1..150; guidance
/// 0..30; seed 0..2^53-1 less n-1; user at most 256 characters; the listed schedulers, cache modes
/// and formats; slo interactive or batch, deadline_ms 1..3600000 and never with batch; known keys only, each once, of the right JSON type; a UTF-8 JSON object of at most
/// 1 MiB sent as application/json). JSON itself is read with System.Text.Json at the same depth
/// limit (16): the fuzzer tests the API's rules, not the JSON grammar.
/// </summary>
public static class GenerationBodyOracle
{
    private const long MaxSeed = (1L << 53) - 1;
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16 };
    private static readonly string[] Strings = ["prompt", "size", "response_format", "user", "model", "quality", "style", "negative_prompt", "scheduler", "cache", "slo"];
    private static readonly string[] Integers = ["n", "seed", "steps", "deadline_ms"];

    public static Verdict Judge(FuzzRequest request, bool forJob)
    {
        var body = Body(request.Body);
        if (body.Validity == Validity.Invalid) return body;
        var contentType = ContentType(request);
        if (contentType.Validity != Validity.Valid) return contentType;
        if (body.Validity != Validity.Valid) return body;
        return forJob && body.Reason != "n=1" ? Verdict.Invalid("a job makes one image") : Verdict.Valid;
    }

    private static Verdict ContentType(FuzzRequest request)
    {
        if (request.Headers.Count(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) > 1)
            return Verdict.Unknown("Content-Type sent twice");
        var value = request.Header("Content-Type");
        if (value is null) return Verdict.Invalid("no Content-Type");
        if (HeaderValues.JsonContentTypes.Contains(value)) return Verdict.Valid;
        if (HeaderValues.WrongContentTypes.Contains(value)) return Verdict.Invalid($"Content-Type {value}");
        return Verdict.Unknown($"Content-Type '{value}'");
    }

    /// <summary>Valid with reason "n=N" (the image count, which a job must have at 1), or why not.</summary>
    private static Verdict Body(FuzzBody? fuzzBody)
    {
        if (fuzzBody is null || fuzzBody.Length == 0) return Verdict.Invalid("no body");
        if (fuzzBody.Length > GenerationBodies.MaxBodyBytes) return Verdict.Invalid("body over 1 MiB");
        ReadOnlyMemory<byte> bytes = fuzzBody.Materialize();
        if (bytes.Span.StartsWith(Encoding.UTF8.Preamble)) bytes = bytes[3..];
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span)) return Verdict.Invalid("not UTF-8");
        try
        {
            using var document = JsonDocument.Parse(bytes, Options);
            return document.RootElement.ValueKind == JsonValueKind.Object ? Fields(document.RootElement) : Verdict.Invalid("root not an object");
        }
        catch (JsonException)
        {
            return Verdict.Invalid("not JSON");
        }
        catch (InvalidOperationException)
        {
            return Verdict.Invalid("a string is not valid UTF-16 (lone surrogate escape)");
        }
    }

    private static Verdict Fields(JsonElement root)
    {
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!GenerationFields.Names.Contains(property.Name)) return Verdict.Invalid($"unknown key {property.Name}");
            if (!values.TryAdd(property.Name, property.Value)) return Verdict.Invalid($"repeated key {property.Name}");
        }

        var strings = new Dictionary<string, string?>();
        foreach (var name in Strings)
        {
            if (!values.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null) strings[name] = null;
            else if (value.ValueKind == JsonValueKind.String) strings[name] = value.GetString();
            else return Verdict.Invalid($"{name} not a string");
        }
        var integers = new Dictionary<string, long?>();
        foreach (var name in Integers)
        {
            if (!values.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null) integers[name] = null;
            else if (WholeNumber(value) is { } whole) integers[name] = whole;
            else return Verdict.Invalid($"{name} not an integer in range");
        }
        double? guidance = null;
        if (values.TryGetValue("guidance_scale", out var g) && g.ValueKind != JsonValueKind.Null)
        {
            if (g.ValueKind != JsonValueKind.Number || !g.TryGetDouble(out var number) || !double.IsFinite(number))
                return Verdict.Invalid("guidance_scale not a finite number");
            guidance = number;
        }
        double? reuse = null;
        if (values.TryGetValue("output_reuse", out var r) && r.ValueKind != JsonValueKind.Null)
        {
            if (r.ValueKind != JsonValueKind.Number || !r.TryGetDouble(out var number) || !double.IsFinite(number))
                return Verdict.Invalid("output_reuse not a finite number");
            reuse = number;
        }
        if (values.TryGetValue("expand_prompt", out var e) && e.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
            return Verdict.Invalid("expand_prompt not a boolean");

        return Rules(strings, integers, guidance, reuse);
    }

    private static Verdict Rules(Dictionary<string, string?> s, Dictionary<string, long?> i, double? guidance, double? reuse)
    {
        if (s["prompt"] is not { } prompt) return Verdict.Invalid("no prompt");
        if (prompt.Trim().Length == 0 || prompt.Length > 1000 || prompt.Trim().Contains('\0')) return Verdict.Invalid("prompt blank, long or with NUL");
        if (s["negative_prompt"] is { } negative && (negative.Length > 1000 || negative.Trim().Contains('\0')))
            return Verdict.Invalid("negative_prompt long or with NUL");
        var n = i["n"] ?? 1;
        if (n is < 1 or > 4) return Verdict.Invalid("n out of range");
        if (s["size"] is { } size && !IsServedSize(size)) return Verdict.Invalid("size not served");
        if (s["response_format"] is not (null or "b64_json" or "url")) return Verdict.Invalid("response_format");
        if (s["user"] is { Length: > 256 }) return Verdict.Invalid("user too long");
        if (s["model"] is not (null or "test-model")) return Verdict.Invalid("model");
        if (i["seed"] is { } seed && (seed < 0 || seed > MaxSeed - (n - 1))) return Verdict.Invalid("seed out of range");
        if (i["steps"] is { } steps && steps is < 1 or > 150) return Verdict.Invalid("steps out of range");
        if (guidance is < 0 or > 30) return Verdict.Invalid("guidance_scale out of range");
        if (s["scheduler"] is { } scheduler && !new[] { "ddim", "euler", "dpm++2m" }.Contains(scheduler, StringComparer.OrdinalIgnoreCase))
            return Verdict.Invalid("scheduler");
        if (s["cache"] is not (null or "auto" or "off" or "refresh")) return Verdict.Invalid("cache");
        if (s["slo"] is not (null or "interactive" or "batch")) return Verdict.Invalid("slo");
        if (i["deadline_ms"] is { } deadline && (s["slo"] == "batch" || deadline is < 1 or > 3_600_000)) return Verdict.Invalid("deadline_ms");
        if (reuse is < 0 or > 10) return Verdict.Invalid("output_reuse out of range");
        return new Verdict(Validity.Valid, $"n={n}");
    }

    /// <summary>A JSON number with a whole value that fits a long ("10", "1e3", "7.0"), as the API reads integers.</summary>
    private static long? WholeNumber(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number) return null;
        if (value.TryGetInt64(out var integer)) return integer;
        if (value.TryGetDouble(out var number) && double.IsFinite(number) && Math.Floor(number) == number && Math.Abs(number) < 9.2e18)
            return (long)number;
        return null;
    }

    private static bool IsServedSize(string size)
    {
        var parts = size.Split('x');
        return parts.Length == 2 && parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit))
               && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w)
               && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
               && (w, h) is (64, 64) or (32, 48);
    }
}
