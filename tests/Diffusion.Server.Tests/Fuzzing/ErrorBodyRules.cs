using System.Text.Json;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// The shape every 4xx from the application must have: application/json with OpenAI's
/// <c>{"error": {"message", "type", "param", "code"}}</c>, message and type non-empty strings,
/// param and code present (a string or null).
/// </summary>
public static class ErrorBodyRules
{
    /// <summary>
    /// Kestrel's own refusals, written before the app runs and so with an empty body: 400 bad request
    /// line or header, 413 body too large, 414 request line too long, 431 headers too large, and 405
    /// for an asterisk-form target ("GET *") with a method other than OPTIONS.
    /// </summary>
    public static readonly int[] TransportStatuses = [400, 405, 413, 414, 431];

    public static string? Check(WireResponse response)
    {
        if (response.MediaType != "application/json") return $"error body is {response.MediaType ?? "untyped"}, not application/json";
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("error", out var error)
                                                                        || error.ValueKind != JsonValueKind.Object)
                return "no 'error' object";
            if (!NonEmptyString(error, "message")) return "error.message missing or empty";
            if (!NonEmptyString(error, "type")) return "error.type missing or empty";
            foreach (var name in new[] { "param", "code" })
            {
                if (!error.TryGetProperty(name, out var value) || value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                    return $"error.{name} missing or not a string or null";
            }
            return null;
        }
        catch (JsonException ex)
        {
            return $"error body is not JSON: {ex.Message}";
        }
    }

    private static bool NonEmptyString(JsonElement error, string name) =>
        error.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString());
}
