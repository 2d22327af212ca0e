using System.Text.Json;
using System.Text.Json.Serialization;

namespace Diffusion.Server;

/// <summary>
/// JSON conventions of the API and of the files the server writes: snake_case names (as OpenAI),
/// enums as snake_case strings. HTTP responses, SSE payloads and image sidecars all use these.
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return options;
    }
}
