using System.Globalization;
using System.Text;
using Diffusion.Replay.Running;

namespace Diffusion.Replay.Progress;

/// <summary>Formats one progress line: bar, done/total, rate, hit rate so far, p50 latency, in flight, retries, errors.</summary>
public static class ProgressLine
{
    public static string Format(ProgressSnapshot s, int barWidth = 24)
    {
        var text = new StringBuilder();
        text.Append(s.Label).Append(' ');
        if (barWidth > 0)
        {
            var filled = s.Total == 0 ? barWidth : (int)Math.Round(barWidth * (double)s.Done / s.Total);
            text.Append('[').Append('#', filled).Append('.', barWidth - filled).Append("] ");
        }
        text.Append(CultureInfo.InvariantCulture, $"{s.Done}/{s.Total}");
        text.Append(CultureInfo.InvariantCulture, $"  {s.Rate:0.00} req/s");
        text.Append("  hit ").Append(s.HitRate is { } h ? (h * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-");
        text.Append("  p50 ").Append(s.P50LatencyS is { } p ? p.ToString("0.00", CultureInfo.InvariantCulture) + " s" : "-");
        text.Append(CultureInfo.InvariantCulture, $"  in flight {s.InFlight}  retries {s.Retries}  errors {s.Failed}");
        text.Append(CultureInfo.InvariantCulture, $"  {s.Elapsed.TotalSeconds:0}s");
        return text.ToString();
    }
}
