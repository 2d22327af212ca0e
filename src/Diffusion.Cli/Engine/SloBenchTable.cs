using System.Globalization;
using Diffusion.Lab.Slo;

namespace Diffusion.Cli.Engine;

/// <summary>The sweep as a table, then the headline figures against their bars (issue 19).</summary>
public static class SloBenchTable
{
    public static void Write(SloBenchReport r, TextWriter o)
    {
        o.WriteLine(Invariant($"device {r.Device}; {r.Steps} steps; a step alone {r.StandaloneStepSeconds * 1000:0.0} ms, an expansion {r.StandaloneExpansionSeconds:0.000} s; capacity {r.CapacityPerSecond:0.00} requests/s; {r.RequestsPerPoint} requests per point, {r.Repeats} repeat(s)"));
        o.WriteLine();
        o.WriteLine("policy          load  attainment (SE)  interactive p50/p95/p99 (s)  batch p95  expanded p95 (interactive)  req/s  pauses");
        foreach (var p in r.Points)
        {
            o.WriteLine(Invariant($"{p.Policy,-14} {p.Load,5:0.000}  {p.SloAttainment,10:0.000} ({p.SloAttainmentStandardError:0.000})  {p.Interactive.P50,8:0.00} {p.Interactive.P95,6:0.00} {p.Interactive.P99,6:0.00}       {p.Batch.P95,9:0.00}  {p.Expanded.P95,12:0.00} ({p.ExpandedInteractive.P95:0.00})  {p.ThroughputPerSecond,5:0.00}  {p.Pauses,6}"));
        }
        o.WriteLine();
        var where = r.GainBracket.Count == 2 ? Invariant($", interpolated between {r.GainBracket[0]:0.000}x and {r.GainBracket[1]:0.000}x") : "";
        o.WriteLine(Invariant($"slo_attainment_gain        {r.SloAttainmentGain:0.000} (SE {r.SloAttainmentGainStandardError:0.000})  ({r.BestPolicy} over request-level FCFS at {r.GainLoad:0.000}x, where FCFS crosses 50 %{where}; bar >= 1.4)"));
        o.WriteLine(Invariant($"interactive_p95_ratio      {r.InteractiveP95Ratio:0.000}  ({r.BestPolicy} over iteration-level FCFS at 1x; bar <= 0.7)"));
        o.WriteLine(Invariant($"expanded_p95_ratio         {r.ExpandedP95Ratio:0.000}  (LLM-expanded interactive requests; bar <= 1)"));
        o.WriteLine(Invariant($"expanded_all_p95_ratio     {r.ExpandedAllP95Ratio:0.000}  (every LLM-expanded request, batch ones included)"));
        o.WriteLine();
        o.WriteLine(Invariant($"per policy: gain at {r.GainLoad:0.000}x (SE); interactive p95 ratio, expanded p95 ratio (interactive / all) at 1x"));
        foreach (var p in r.Policies)
        {
            o.WriteLine(Invariant($"  {p.Policy,-12} {p.SloAttainmentGain,6:0.000} ({p.SloAttainmentGainStandardError:0.000})  {p.InteractiveP95Ratio,6:0.000}  {p.ExpandedP95Ratio,6:0.000} / {p.ExpandedAllP95Ratio:0.000}"));
        }
        o.WriteLine(Invariant($"elapsed {r.ElapsedMinutes:0.0} min"));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
