using System.Text.Json;

namespace Diffusion.Replay.Client;

/// <summary>
/// Checks before a replay that the server answers, and learns its default step count from
/// <c>/v1/models</c> (so steps saved can be given as a fraction when --steps is not sent).
/// </summary>
public sealed class ServerProbe(HttpClient http)
{
    public const string ModelsPath = "v1/models";

    /// <summary>The served model's default steps (null if not listed); throws <see cref="HttpRequestException"/> when the server cannot be reached.</summary>
    public async Task<int?> DefaultStepsAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(ModelsPath, cancellationToken);
        if (!response.IsSuccessStatusCode) return null;
        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
                   && data.GetArrayLength() > 0 && data[0].ValueKind == JsonValueKind.Object
                   && data[0].TryGetProperty("default_steps", out var steps) && steps.TryGetInt32(out var value)
                ? value
                : null;
        }
        catch (JsonException)
        {
            // A server without the OpenAI model list: the step count stays unknown.
            return null;
        }
    }
}
