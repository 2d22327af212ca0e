namespace Diffusion.Replay;

/// <summary>The files a replay writes into its output directory.</summary>
public static class ReplayFiles
{
    public const string Requests = "requests.jsonl";
    public const string RequestsCacheOff = "requests-cache-off.jsonl";
    public const string Summary = "summary.json";
    public const string HitRatePlot = Plots.ReplayPlots.HitRateFile;
    public const string LatencyCdfPlot = Plots.ReplayPlots.LatencyCdfFile;

    /// <summary>The default output directory: ./replay-yyyyMMdd-HHmmss (UTC).</summary>
    public static string DefaultDirectory(DateTimeOffset now) => $"replay-{now.UtcDateTime:yyyyMMdd-HHmmss}";
}
