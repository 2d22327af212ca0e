using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Diffusion.Cli.Attacks;

/// <summary>
/// One tenant's view of the service: generation requests with its API key, one at a time, timed from the client
/// side as an attacker would time them.
/// </summary>
public sealed class TenantClient(HttpClient http, AttackTenant tenant, int steps)
{
    public AttackTenant Tenant { get; } = tenant ?? throw new ArgumentNullException(nameof(tenant));

    /// <summary>Generates one image of <paramref name="prompt"/>; <paramref name="cache"/> is the API's cache field (auto, off, refresh).</summary>
    /// <exception cref="AttackServiceException">The service answered with an error or an unreadable body.</exception>
    public async Task<Probe> GenerateAsync(string prompt, long seed, string cache, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/images/generations")
        {
            // a URL instead of base64: the PNG is not needed and would add transfer time to every probe
            Content = JsonContent.Create(new { prompt, seed, steps, cache, response_format = "url" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tenant.Key);
        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (!response.IsSuccessStatusCode)
        {
            throw new AttackServiceException($"{Tenant.Name}: POST /v1/images/generations answered {(int)response.StatusCode}: {Shorten(body)}");
        }
        try
        {
            return Read(body, Tenant.Name, prompt, cache, seconds);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new AttackServiceException($"{Tenant.Name}: unreadable generation response ({e.Message}): {Shorten(body)}");
        }
    }

    /// <summary>Reads <c>data[0]</c> of a generation response; fields the service hides are null or false.</summary>
    public static Probe Read(string body, string tenant, string prompt, string cache, double seconds)
    {
        using var document = JsonDocument.Parse(body);
        var image = document.RootElement.GetProperty("data")[0];
        var report = image.GetProperty("cache");
        return new Probe(
            tenant, prompt, cache,
            ImageId: image.GetProperty("id").GetString() ?? throw new FormatException("data[0].id is null"),
            Hit: report.GetProperty("hit").GetBoolean(),
            K: report.TryGetProperty("k", out var k) && k.ValueKind == JsonValueKind.Number ? k.GetInt32() : 0,
            Shared: report.TryGetProperty("shared", out var shared) && shared.ValueKind == JsonValueKind.True,
            Similarity: Number(report, "similarity"),
            SourceId: Text(report, "source_id"),
            StoredAs: Text(report, "stored_as"),
            Seconds: seconds,
            ServerSeconds: document.RootElement.TryGetProperty("timings", out var timings) ? Number(timings, "total") : null);
    }

    private static double? Number(JsonElement report, string name) =>
        report.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static string? Text(JsonElement report, string name) =>
        report.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Shorten(string body) => body.Length <= 300 ? body : body[..300] + "…";
}

/// <summary>The service under attack failed or answered something the bench cannot read.</summary>
public sealed class AttackServiceException(string message, Exception? inner = null) : Exception(message, inner);
