namespace Diffusion.Cli.Attacks;

/// <summary>
/// One generation request as a tenant saw it: the response's cache report (whatever the service chose to show) and
/// the wall time from sending the request to reading the whole response. <paramref name="ServerSeconds"/> is the
/// response's own <c>timings.total</c>, which the service measures before any padding.
/// </summary>
public sealed record Probe(
    string Tenant,
    string Prompt,
    string CacheMode,
    string ImageId,
    bool Hit,
    int K,
    bool Shared,
    double? Similarity,
    string? SourceId,
    string? StoredAs,
    double Seconds,
    double? ServerSeconds = null);
