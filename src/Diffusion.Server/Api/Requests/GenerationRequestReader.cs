using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Diffusion.Server.Api.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Diffusion.Server.Api.Requests;

/// <summary>
/// Turns an HTTP body into an <see cref="ImageGenerationRequest"/>, strictly: JSON content type,
/// a JSON object, known parameters only (each once), each of the right JSON type. Range checks are
/// the <see cref="GenerationRequestValidator"/>'s job.
/// </summary>
public static class GenerationRequestReader
{
    /// <summary>Bodies above this are refused unread; generous so over-long prompts get a precise 400.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public static readonly IReadOnlyList<string> Parameters =
    [
        "prompt", "n", "size", "response_format", "user", "model", "quality", "style",
        "seed", "steps", "guidance_scale", "negative_prompt", "scheduler", "cache", "expand_prompt", "slo", "deadline_ms", "output_reuse",
    ];

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    public static async Task<Checked<ImageGenerationRequest>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
            return ApiError.PayloadTooLarge($"the request body is {request.ContentLength} bytes; at most {MaxBodyBytes} are accepted");

        byte[]? body;
        try
        {
            body = await ReadBodyAsync(request.Body, cancellationToken);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's verdict on the body's framing (a bad chunk) or size: the client's fault, answered here, not logged as an error.
            return new ApiError(ex.StatusCode, $"the request body could not be read: {ex.Message}", ApiError.InvalidRequest, null,
                ErrorCodes.InvalidValue);
        }
        catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Kestrel reports a chunk size that overflows as a plain IOException (was a 500).
            return ApiError.Invalid($"the request body could not be read: {ex.Message}", null, ErrorCodes.InvalidValue);
        }
        if (body is null)
            return ApiError.PayloadTooLarge($"the request body is larger than {MaxBodyBytes} bytes, the most accepted");
        if (body.Length == 0)
            return ApiError.Invalid("the request body is missing; send a JSON object such as {\"prompt\": \"a red fox\"}",
                null, ErrorCodes.MissingBody);

        if (CheckContentType(request.ContentType) is { } contentTypeError) return contentTypeError;
        return Decode(body);
    }

    /// <summary>Decodes a JSON body already known to be JSON; public so tests can check it without HTTP.</summary>
    public static Checked<ImageGenerationRequest> Decode(ReadOnlyMemory<byte> body)
    {
        var bytes = body.Span;
        if (bytes.StartsWith(Encoding.UTF8.Preamble)) body = body[Encoding.UTF8.Preamble.Length..];
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
            return ApiError.Invalid("the request body is not valid UTF-8", null, ErrorCodes.InvalidJson);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return ApiError.Invalid($"the request body is not valid JSON: {ex.Message}", null, ErrorCodes.InvalidJson);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return ApiError.Invalid($"the request body must be a JSON object; it is {Describe(root)}", null, ErrorCodes.InvalidType);
            return DecodeObject(root);
        }
    }

    private static Checked<ImageGenerationRequest> DecodeObject(JsonElement root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var request = new ImageGenerationRequest();
        foreach (var property in root.EnumerateObject())
        {
            if (!TryGetText(property, out var name))
                return ApiError.Invalid("a parameter name holds an unpaired UTF-16 surrogate escape (such as \\ud800); send valid Unicode",
                    null, ErrorCodes.InvalidJson);
            if (!seen.Add(name))
                return ApiError.Invalid($"parameter '{name}' appears more than once", name, ErrorCodes.DuplicateParameter);

            var value = property.Value;
            ApiError? error = null;
            request = name switch
            {
                "prompt" => request with { Prompt = String(name, value, ref error) },
                "n" => request with { N = Integer(name, value, ref error) },
                "size" => request with { Size = String(name, value, ref error) },
                "response_format" => request with { ResponseFormat = String(name, value, ref error) },
                "user" => request with { User = String(name, value, ref error) },
                "model" => request with { Model = String(name, value, ref error) },
                "quality" => request with { Quality = String(name, value, ref error) },
                "style" => request with { Style = String(name, value, ref error) },
                "seed" => request with { Seed = Integer(name, value, ref error) },
                "steps" => request with { Steps = Integer(name, value, ref error) },
                "guidance_scale" => request with { GuidanceScale = Number(name, value, ref error) },
                "negative_prompt" => request with { NegativePrompt = String(name, value, ref error) },
                "scheduler" => request with { Scheduler = String(name, value, ref error) },
                "cache" => request with { Cache = String(name, value, ref error) },
                "expand_prompt" => request with { ExpandPrompt = Boolean(name, value, ref error) },
                "slo" => request with { Slo = String(name, value, ref error) },
                "deadline_ms" => request with { DeadlineMs = Integer(name, value, ref error) },
                "output_reuse" => request with { OutputReuse = Number(name, value, ref error) },
                _ => Unknown(name, request, ref error),
            };
            if (error is not null) return error;
        }
        return Checked<ImageGenerationRequest>.Ok(request);
    }

    private static ImageGenerationRequest Unknown(string name, ImageGenerationRequest request, ref ApiError? error)
    {
        var similar = Parameters.FirstOrDefault(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase)
                                                    || string.Equals(p.Replace("_", ""), name, StringComparison.OrdinalIgnoreCase));
        var hint = similar is null ? "" : $" (did you mean '{similar}'?)";
        error = ApiError.Invalid(
            $"unknown parameter '{Truncate(name)}'{hint}; accepted parameters: {string.Join(", ", Parameters)}",
            Truncate(name), ErrorCodes.UnknownParameter);
        return request;
    }

    private static string? String(string name, JsonElement value, ref ApiError? error)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                if (TryGetText(value, out var text)) return text;
                error = ApiError.Invalid($"{name} holds an unpaired UTF-16 surrogate escape (such as \\ud800); send valid Unicode", name);
                return null;
            case JsonValueKind.Null: return null;
            default:
                error = WrongType(name, "a string", value);
                return null;
        }
    }

    // JSON lets "\ud800" stand alone, but such a string is not text: System.Text.Json refuses to unescape it
    // (InvalidOperationException) only when it is read, after parsing succeeded, so reading it is where it becomes a 400.
    private static bool TryGetText(JsonElement value, [NotNullWhen(true)] out string? text)
    {
        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    private static bool TryGetText(JsonProperty property, [NotNullWhen(true)] out string? name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = null;
            return false;
        }
    }

    private static long? Integer(string name, JsonElement value, ref ApiError? error)
    {
        if (value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Number)
        {
            error = WrongType(name, "an integer", value);
            return null;
        }
        if (value.TryGetInt64(out var integer)) return integer;
        // Written with a fraction or exponent (10.0, 1e3, 1.5, 1e30): accept whole values in range.
        if (value.TryGetDouble(out var number) && double.IsFinite(number) && Math.Floor(number) == number)
        {
            if (Math.Abs(number) < 9.2e18) return (long)number;
            error = ApiError.Invalid($"{name} is out of range: {value.GetRawText()}", name);
        }
        else
        {
            error = ApiError.Invalid($"{name} must be an integer; it is {value.GetRawText()}", name, ErrorCodes.InvalidType);
        }
        return null;
    }

    private static double? Number(string name, JsonElement value, ref ApiError? error)
    {
        if (value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Number)
        {
            error = WrongType(name, "a number", value);
            return null;
        }
        if (value.TryGetDouble(out var number) && double.IsFinite(number)) return number;
        error = ApiError.Invalid($"{name} is out of range: {value.GetRawText()}", name);
        return null;
    }

    private static bool? Boolean(string name, JsonElement value, ref ApiError? error)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Null: return null;
            default:
                error = WrongType(name, "true or false", value);
                return null;
        }
    }

    private static ApiError WrongType(string name, string expected, JsonElement value) =>
        ApiError.Invalid($"{name} must be {expected}; it is {Describe(value)}", name, ErrorCodes.InvalidType);

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string {Truncate(value.GetRawText())}",
        JsonValueKind.Number => $"the number {Truncate(value.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Undefined => "undefined",
        _ => throw new ArgumentOutOfRangeException(nameof(value), value.ValueKind, "unexpected JSON value kind"),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";

    /// <summary>Why a Content-Type is not acceptable for a JSON body, or null when it is.</summary>
    public static ApiError? CheckContentType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
            return ApiError.UnsupportedMediaType("the request has no Content-Type; send the body as application/json");
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
            return ApiError.UnsupportedMediaType($"Content-Type '{Truncate(contentType)}' is malformed; send the body as application/json");
        var type = mediaType.MediaType.Value ?? "";
        var isJson = type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                     || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
        if (!isJson)
            return ApiError.UnsupportedMediaType($"Content-Type '{Truncate(type)}' is not supported; send the body as application/json");
        // RFC 9110 §5.6.6: charset="utf-8" and charset=utf-8 are the same parameter value.
        var charset = HeaderUtilities.RemoveQuotes(mediaType.Charset).Value;
        if (charset is not null && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
                                && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            return ApiError.UnsupportedMediaType($"charset '{Truncate(charset)}' is not supported; JSON bodies must be UTF-8");
        return null;
    }

    /// <summary>Reads the whole body, or returns null as soon as it exceeds <see cref="MaxBodyBytes"/>.</summary>
    /// <summary>The whole body, or null when it is over <see cref="MaxBodyBytes"/>.</summary>
    internal static async Task<byte[]?> ReadBodyAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
