using System.Text;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>Counts per endpoint and per status code, and the invariant violations, for the test output.</summary>
public sealed class FuzzSummary
{
    private readonly SortedDictionary<string, int> endpoints = new(StringComparer.Ordinal);
    private readonly SortedDictionary<int, int> statuses = new();
    private readonly SortedDictionary<string, int> refusedByTransport = new(StringComparer.Ordinal);

    private long largestBody;
    private int largestHeaders;
    private int longestTarget;

    public List<string> Violations { get; } = [];
    public int Cases { get; private set; }
    public int ServerErrors { get; private set; }

    public void Record(FuzzRequest request, WireResponse response)
    {
        Cases++;
        endpoints[request.Endpoint] = endpoints.GetValueOrDefault(request.Endpoint) + 1;
        statuses[response.Status] = statuses.GetValueOrDefault(response.Status) + 1;
        if (response.Status >= 500) ServerErrors++;
        largestBody = Math.Max(largestBody, request.Body?.Length ?? 0);
        largestHeaders = Math.Max(largestHeaders, request.Headers.Sum(h => h.Name.Length + h.Value.Length + 4));
        longestTarget = Math.Max(longestTarget, request.Target.Length);
        if (response.Status >= 400 && response.Body.Length == 0 && request.Method != "HEAD")
            refusedByTransport[$"{response.Status}"] = refusedByTransport.GetValueOrDefault($"{response.Status}") + 1;
    }

    public string StatusHistogram => string.Join(", ", statuses.Select(s => $"{(s.Key == 0 ? "no answer" : s.Key)}: {s.Value}"));

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine($"{Cases} cases, {ServerErrors} answered 5xx, {Violations.Count} invariant violations");
        text.AppendLine("status codes: " + StatusHistogram);
        text.AppendLine($"largest body {largestBody} bytes, largest header block {largestHeaders} bytes, longest target {longestTarget} chars");
        if (refusedByTransport.Count > 0)
            text.AppendLine("empty-bodied 4xx (Kestrel's own): " + string.Join(", ", refusedByTransport.Select(r => $"{r.Key}: {r.Value}")));
        text.AppendLine("cases per endpoint:");
        foreach (var (endpoint, count) in endpoints) text.AppendLine($"  {count,5}  {endpoint}");
        return text.ToString();
    }
}
