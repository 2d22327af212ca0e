using System.Text.Json;

namespace Diffusion.Replay.Metrics;

/// <summary>
/// Reads the service's counters from <c>/v1/metrics</c> (JSON) and <c>/metrics</c> (Prometheus
/// text); the JSON wins where both report a counter. A source that cannot be read is noted, not fatal.
/// </summary>
public sealed class ServerMetricsClient(HttpClient http)
{
    public const string JsonPath = "v1/metrics";
    public const string PrometheusPath = "metrics";
    public const string JsonSource = "json";
    public const string PrometheusSource = "prometheus";

    public async Task<ServerCounters> ReadAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var json = await FetchAsync(JsonPath, problems, text =>
        {
            using var document = JsonDocument.Parse(text);
            return MetricsJsonReader.Read(document.RootElement);
        }, cancellationToken);
        var prometheus = await FetchAsync(PrometheusPath, problems,
            text => PrometheusCounterReader.Read(PrometheusText.Parse(text)), cancellationToken);
        return ServerCounters.Merge(json, JsonSource, prometheus, PrometheusSource, problems);
    }

    private async Task<IReadOnlyDictionary<string, double>> FetchAsync(
        string path, List<string> problems, Func<string, IReadOnlyDictionary<string, double>> read, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(path, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                problems.Add($"/{path}: HTTP {(int)response.StatusCode}");
                return new Dictionary<string, double>();
            }
            return read(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (HttpRequestException ex)
        {
            problems.Add($"/{path}: {ex.Message}");
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            problems.Add($"/{path}: unreadable: {ex.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            problems.Add($"/{path}: no answer in time");
        }
        return new Dictionary<string, double>();
    }
}
