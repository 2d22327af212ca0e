using Diffusion.Lab.Evaluation;

namespace Diffusion.Cli.Cache;

/// <summary>Prints a <see cref="CacheEvaluationReport"/> as plain text, one row per system (invariant culture: the CLI's Program sets it for every thread).</summary>
public static class CacheEvaluationTable
{
    public static void Write(CacheEvaluationReport r, TextWriter output)
    {
        var c = r.Configuration;
        output.WriteLine($"model {c.ModelId}; trace seed {c.TraceSeed}: {c.Requests} requests, {c.Measured} measured; {c.Steps} steps, budget {c.BudgetBytes:N0} bytes");
        output.WriteLine($"nirvana: {c.NirvanaKTable}");
        output.WriteLine($"ours:    {c.OursMode} {c.OursKTable}");
        output.WriteLine();
        output.WriteLine("system          steps saved  calls saved  judge acc  CLIP score  dist to none  p50 (s)  p95 (s)   req/s  hit rate");
        foreach (var (name, f) in r.Systems)
        {
            output.WriteLine($"{name,-15} {f.StepsSaved,11:0.000} {f.ModelCallsSaved,12:0.000} {f.JudgeAccuracy,10:0.000} {f.ClipScore,11:0.000} {f.DistanceToNone,13:0.000} {f.LatencyP50S,8:0.000} {f.LatencyP95S,8:0.000} {f.ThroughputRps,7:0.00} {f.HitRate,9:0.000}");
        }
        output.WriteLine();
        output.WriteLine(ResultsMarkdown.Verdict(r));
        output.WriteLine($"elapsed {r.ElapsedMinutes:0.0} min");
    }
}
