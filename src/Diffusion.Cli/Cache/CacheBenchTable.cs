using Diffusion.Lab.Bench;

namespace Diffusion.Cli.Cache;

/// <summary>Prints a <see cref="CacheBenchReport"/> as plain text: off and on side by side, the bars, the policies (invariant culture: the CLI's Program sets it for every thread).</summary>
public static class CacheBenchTable
{
    public static void Write(CacheBenchReport r, TextWriter output)
    {
        output.WriteLine($"model {r.ModelId}, mode {r.Mode} ({r.KTable})");
        output.WriteLine($"trace seed {r.TraceSeed}: {r.Requests} requests, {r.Measured} measured after {r.Warmup:P0} warm-up; {r.Steps} steps, guidance {r.Guidance}, {r.Concurrency} in flight");
        output.WriteLine($"budget {r.BudgetBytes:N0} bytes, LCBFU grace {r.GraceSeconds / 3600:0.0} h of trace time{(r.PerUserTenants ? ", one tenant per user" : ", one shared tenant")}");
        output.WriteLine();
        output.WriteLine("                         cache off     cache on");
        output.WriteLine($"latency p50 (ms)      {r.LatencyP50OffMs,12:0.0} {r.LatencyP50OnMs,12:0.0}");
        output.WriteLine($"latency p95 (ms)      {r.LatencyP95OffMs,12:0.0} {r.LatencyP95OnMs,12:0.0}");
        output.WriteLine($"UNet iterations p50   {1,12:0.00} {r.IterationsP50Ratio,12:0.00}  (the latency ratio if only iterations took time)");
        output.WriteLine($"judge accuracy        {r.AccuracyOff,12:0.0000} {r.AccuracyOn,12:0.0000}");
        foreach (var metric in r.MetricsOff.Keys.Union(r.MetricsOn.Keys).Order(StringComparer.Ordinal))
        {
            output.WriteLine($"  {metric,-19} {r.MetricsOff.GetValueOrDefault(metric, double.NaN),12:0.0000} {r.MetricsOn.GetValueOrDefault(metric, double.NaN),12:0.0000}");
        }
        output.WriteLine($"CLIP score            {r.ClipScoreOff,12:0.0000} {r.ClipScoreOn,12:0.0000}");
        output.WriteLine($"hit rate              {0,12:0.0000} {r.HitRate,12:0.0000}");
        output.WriteLine($"hits by K             {"",12} {string.Join(" ", r.HitsByK.Select(kv => $"{kv.Key}:{kv.Value}"))}");
        output.WriteLine($"hit rate by kind      {"",12} {string.Join(" ", r.HitRateByKind.Select(kv => $"{kv.Key}:{kv.Value:0.00}"))}");
        output.WriteLine($"lookup p99 (ms)       {"",12} {r.LookupP99Ms,12:0.00}");
        output.WriteLine($"max disk bytes        {"",12} {r.MaxDiskBytes,12:N0}  (evictions {r.Evictions:N0})");
        output.WriteLine();
        output.WriteLine("figure                        value  bar");
        foreach (var check in r.Checks)
        {
            output.WriteLine($"{check.Figure,-22} {check.Value,12:0.0000}  {check.Bar}  {(check.Passed ? "ok" : "NOT MET")}");
        }
        output.WriteLine($"{"quality_drop std err",-22} {r.QualityDropStandardError,12:0.0000}  (over requests: a drop within about twice this of the bar cannot be told from it)");
        output.WriteLine();
        WritePolicies(r.Policies, output);
        output.WriteLine($"elapsed {r.ElapsedMinutes:0.0} min");
    }

    /// <summary>The eviction policies side by side (also the whole output of <c>bench cache --policies-only</c>).</summary>
    public static void WritePolicies(IEnumerable<PolicyFigures> policies, TextWriter output)
    {
        output.WriteLine("policy   replay       steps saved  hit rate  iterations p50  evictions  max bytes  hits by K");
        foreach (var p in policies)
        {
            output.WriteLine($"{p.Policy,-8} {(p.Accounting ? "accounting" : "full UNet"),-12} {p.StepsSaved,11:0.0000} {p.HitRate,9:0.0000} {p.IterationsP50Ratio,15:0.00} {p.Evictions,10:N0} {p.MaxUsedBytes,10:N0}  "
                + string.Join(" ", p.HitsByK.Select(kv => $"{kv.Key}:{kv.Value}")));
        }
    }
}
