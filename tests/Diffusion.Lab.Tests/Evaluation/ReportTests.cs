using System.Text.Json;
using Diffusion.Cache.Policy;
using Diffusion.Lab.Bench;
using Diffusion.Lab.Evaluation;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Tests.Evaluation;

/// <summary>The figures' arithmetic, the JSON shape (every system, all keys), the results page and its verdicts, on synthetic replays.</summary>
public sealed class ReportTests
{
    public static readonly string[] RequiredKeys =
        ["steps_saved", "model_calls_saved", "judge_accuracy", "clip_score", "distance_to_none", "latency_p50_s", "latency_p95_s", "throughput_rps"];

    private static ReplayRecord Record(int index, int startStep, double seconds, bool passed, bool measured = true, int steps = 10, int reused = 0) =>
        new(index, TraceRequestKind.New, measured, steps, startStep, null, null, TimeSpan.FromSeconds(seconds), TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero,
            new Dictionary<string, bool> { ["object"] = passed, ["colour"] = true }, 0.5 + index / 100.0,
            JoinedAt: TimeSpan.FromSeconds(index), FinishedAt: TimeSpan.FromSeconds(index + seconds), ReusedSteps: reused);

    private static SystemFigures Figures(CacheSystem system, int startStep, bool passed, int steps = 10, int reused = 0)
    {
        var records = Enumerable.Range(0, 5).Select(i => Record(i, i == 0 ? 0 : startStep, 1 + i, passed || i == 0, measured: i > 0, steps, reused)).ToArray();
        var distances = records.ToDictionary(r => r.Index, r => (r.StartStep / 100.0, 1 - r.StartStep / 100.0));
        return EvaluationFigures.Of(system, new ReplayResult(records, 1000, 2, TimeSpan.FromMinutes(1)), distances, fullSteps: 10);
    }

    public static CacheEvaluationReport Report(KTableSet ours, int oursStart = 5, bool oursPasses = true, bool fewerPasses = true)
    {
        var systems = CacheSystems.Standard(ours, 0.95);
        var figures = systems.ToDictionary(s => s.Name, s => s.Name == CacheSystems.FewerSteps
            ? Figures(s, 0, fewerPasses, steps: 10 - oursStart)
            : Figures(s, s.Name switch
            {
                CacheSystems.None => 0,
                CacheSystems.Nirvana => 4,
                CacheSystems.Ours or CacheSystems.OursWithin => oursStart,
                CacheSystems.WithinRequest => 0,
                _ => 10,
            }, s.Name != CacheSystems.Ours || oursPasses, reused: s.OutputReuse > 0 ? 2 : 0));
        return new CacheEvaluationReport
        {
            Systems = figures,
            Configuration = new EvaluationConfiguration
            {
                ModelId = "test-model@000000000000", Requests = 5, Measured = 4, Warmup = 0.2, TraceSeed = 1, BudgetBytes = 4096, Concurrency = 2,
                Steps = 10, Guidance = 4, Scheduler = "Ddim", GptcacheThreshold = 0.95, LcbfuGraceSeconds = 60,
                NirvanaKTable = systems[3].TableText, OursMode = systems[4].EffectiveMode!.Value.ToName(), OursKTable = systems[4].TableText,
                OursKTableNote = ours.Note,
                FewerStepsSteps = 10 - oursStart,
                OutputReuseThreshold = systems[6].OutputReuse,
            },
            Date = "2026-01-02T03:04:05Z",
            CommandLine = "./run.sh eval cache --json r.json --report out --requests 5",
            ElapsedMinutes = 5,
        };
    }

    private static KTableSet Calibrated => KTableSet.Uncalibrated with
    {
        PromptToPrompt = new SimilarityKTable([new(0.9, 25), new(0.6, 10)]),
        Note = "calibrated on a test",
    };

    [Fact]
    public void Figures_cover_only_measured_requests()
    {
        var f = Figures(CacheSystems.Standard(KTableSet.Uncalibrated, 0.95)[3], startStep: 4, passed: false);
        Assert.Equal(0.4, f.StepsSaved);                         // 4 of 10 steps on each of the 4 measured requests
        Assert.Equal(0.5, f.JudgeAccuracy);                      // object fails, colour passes
        Assert.Equal(8, f.JudgeChecks);
        Assert.Equal(1.0, f.HitRate);
        Assert.Equal(3.5, f.LatencyP50S);                        // latencies 2,3,4,5 s
        Assert.Equal(0.04, f.DistanceToNone);
        Assert.Equal(0.96, f.ClipImageCosineToNone);
        Assert.Equal(4 / 8.0, f.ThroughputRps);                  // joins from 1 s, last image at 4 + 5 s
        Assert.Equal(new Dictionary<int, int> { [4] = 4 }, f.HitsByK);
        Assert.Equal([2.0, 3, 4, 5], f.Latencies);
    }

    [Fact]
    public void A_shorter_schedule_saves_the_steps_it_does_not_run_against_the_full_one()
    {
        var f = Figures(CacheSystems.Standard(KTableSet.Uncalibrated, 0.95)[5], startStep: 0, passed: true, steps: 6);
        Assert.Equal(0.4, f.StepsSaved);                         // 6 of 10 steps run on each measured request
        Assert.Equal(0, f.HitRate);
        Assert.Equal(6, CacheSystems.FewerStepsFor(10, 0.4));
        Assert.Equal((1, 10), (CacheSystems.FewerStepsFor(10, 0.99), CacheSystems.FewerStepsFor(10, -0.5)));
    }

    [Fact]
    public void Model_calls_saved_count_the_steps_skipped_and_the_steps_run_on_a_reused_output()
    {
        var systems = CacheSystems.Standard(KTableSet.Uncalibrated, 0.95, outputReuse: 0.3f);
        Assert.Equal((CacheSystems.WithinRequest, 0.3f, false), (systems[6].Name, systems[6].OutputReuse, systems[6].IsReference));
        Assert.True(systems[0].IsReference);
        var f = Figures(systems[7], startStep: 4, passed: true, reused: 3);
        Assert.Equal(0.4, f.StepsSaved);
        Assert.Equal(0.7, f.ModelCallsSaved);                    // 4 skipped and 3 reused of 10 on each measured request
    }

    [Fact]
    public void The_within_request_verdict_names_who_saves_the_most_calls_and_at_what_quality()
    {
        var verdict = ResultsMarkdown.WithinVerdict(Report(Calibrated));
        // exact and gptcache skip every step in this synthetic report, so they, not ours+within, save the most calls
        Assert.StartsWith("`ours+within` does not save the most model calls; `exact` does: 100.0 % of the UNet calls", verdict);
        Assert.Contains("`within_request` alone saves 20.0 % of the calls", verdict);
        Assert.Contains("`ours+within` saves 70.0 %", verdict);
    }

    [Fact]
    public void The_fewer_steps_verdict_weighs_the_accuracy_gap_against_its_noise()
    {
        Assert.StartsWith("Not measurably: `ours` saves 50.0 % of the steps", ResultsMarkdown.FewerStepsVerdict(Report(Calibrated)));
        Assert.StartsWith("Yes: ", ResultsMarkdown.FewerStepsVerdict(Report(Calibrated, fewerPasses: false)));
        Assert.StartsWith("No, fewer steps does better: ", ResultsMarkdown.FewerStepsVerdict(Report(Calibrated, oursPasses: false)));

        var report = Report(Calibrated);
        var better = report.Systems.ToDictionary(kv => kv.Key,
            kv => kv.Key == CacheSystems.FewerSteps ? kv.Value with { ClipScore = 0.6, LatencyP50S = 1.0 } : kv.Value);
        Assert.EndsWith("`fewer_steps` has the higher CLIP score (0.600 against 0.525) and `fewer_steps` the lower p50 latency (1.000 s against 3.500 s).",
            ResultsMarkdown.FewerStepsVerdict(report with { Systems = better }));
    }

    [Fact]
    public void The_json_holds_every_system_with_every_key()
    {
        using var json = JsonDocument.Parse(Report(Calibrated).ToJson());
        var systems = json.RootElement.GetProperty("systems");
        Assert.Equal(CacheSystems.Names, systems.EnumerateObject().Select(p => p.Name));
        foreach (var system in systems.EnumerateObject())
        {
            foreach (var key in RequiredKeys)
            {
                Assert.True(system.Value.TryGetProperty(key, out var value), $"{system.Name} lacks {key}");
                Assert.Equal(JsonValueKind.Number, value.ValueKind);
            }
            Assert.False(system.Value.TryGetProperty("latencies", out _));
        }
        Assert.Equal(0.4, systems.GetProperty("nirvana").GetProperty("steps_saved").GetDouble());
        Assert.Equal(1.0, systems.GetProperty("exact").GetProperty("steps_saved").GetDouble());
        var configuration = json.RootElement.GetProperty("configuration");
        Assert.Equal(">0.95→25, >0.9→20, >0.85→15, >0.75→10, >0.65→5", configuration.GetProperty("nirvana_k_table").GetString());
        Assert.Equal("2026-01-02T03:04:05Z", json.RootElement.GetProperty("date").GetString());
    }

    [Fact]
    public void The_published_nirvana_preset_is_independent_of_the_shipped_table()
    {
        var systems = CacheSystems.Standard(Calibrated, 0.9);
        Assert.Equal(CacheSystems.Names, systems.Select(s => s.Name));
        Assert.Equal(">0.95→25, >0.9→20, >0.85→15, >0.75→10, >0.65→5", systems[3].TableText);
        Assert.Equal(RetrievalMode.PromptToPrompt, systems[3].EffectiveMode);
        Assert.Equal(">0.9→25, >0.6→10", systems[4].TableText);
        Assert.Contains("0.9", systems[2].Description);
    }

    [Fact]
    public void The_results_page_has_the_table_configuration_date_command_and_verdict()
    {
        var report = Report(Calibrated);
        var page = ResultsMarkdown.Write(report, ["../out/steps-vs-quality.png"]);
        Assert.Contains("2026-01-02T03:04:05Z", page);
        Assert.Contains("    ./run.sh eval cache --json r.json --report out --requests 5", page);
        foreach (var name in CacheSystems.Names)
        {
            Assert.Contains($"| `{name}` |", page);
        }
        Assert.Contains("| `nirvana` | 0.400 | 0.400 | 1.000 (0.000) |", page);
        Assert.Contains(">0.9→25, >0.6→10", page);
        Assert.Contains("calibrated on a test", page);
        Assert.Contains("![steps-vs-quality](../out/steps-vs-quality.png)", page);
        Assert.Contains("## Does ours beat NIRVANA?", page);
        Assert.Contains("## Does ours beat simply running fewer steps?", page);
        Assert.Contains("every request runs 5 of the 10 steps", page);
        Assert.StartsWith("Yes, on this trace: `ours` saves 50.0 % of the steps against `nirvana`'s 40.0 %", ResultsMarkdown.Verdict(report));
    }

    [Fact]
    public void A_recorded_report_reads_back_to_the_same_page()
    {
        var report = Report(Calibrated, oursPasses: false);
        var again = CacheEvaluationReport.FromJson(report.ToJson(), "results.json");
        Assert.Equal(ResultsMarkdown.Write(report, ["plots/a.png"]), ResultsMarkdown.Write(again, ["plots/a.png"]));
        Assert.Equal(report.OursVersusNirvana, again.OursVersusNirvana);

        Assert.Contains("bad.json", Assert.Throws<InvalidDataException>(() => CacheEvaluationReport.FromJson("{\"systems\": 3}", "bad.json")).Message);
        Assert.Throws<InvalidDataException>(() => CacheEvaluationReport.FromJson("null", "empty.json"));
    }

    [Fact]
    public void The_verdict_says_no_when_ours_loses_accuracy_saves_less_or_is_the_same_table()
    {
        var losesAccuracy = Report(Calibrated, oursStart: 5, oursPasses: false);
        Assert.False(losesAccuracy.OursVersusNirvana.Beats);
        Assert.StartsWith("No: ", ResultsMarkdown.Verdict(losesAccuracy));
        Assert.Contains("more than one standard error of the difference", ResultsMarkdown.Verdict(losesAccuracy));

        // a small loss, inside one standard error of the difference, meets the bar, and the page says it is not better
        var ours = losesAccuracy.Systems[CacheSystems.Ours];
        var closeSystems = losesAccuracy.Systems.ToDictionary(p => p.Key, p => p.Value);
        closeSystems[CacheSystems.Ours] = ours with { JudgeAccuracy = 0.95 };                   // SE sqrt(0.95·0.05/8) ≈ 0.077; nirvana 1.0
        var close = losesAccuracy with { Systems = closeSystems };
        Assert.True(close.OursVersusNirvana.Beats);
        Assert.False(close.OursVersusNirvana.AccuracyAtLeastEqual);
        Assert.StartsWith("Yes, within one standard error: ", ResultsMarkdown.Verdict(close));
        Assert.Contains("-0.050 is within one standard error of the difference (0.077)", ResultsMarkdown.Verdict(close));
        closeSystems[CacheSystems.Ours] = ours with { JudgeAccuracy = 0.9 };                     // a gap of 0.1 against an SE of 0.106: still within
        Assert.True((losesAccuracy with { Systems = closeSystems }).OursVersusNirvana.Beats);
        closeSystems[CacheSystems.Ours] = ours with { JudgeAccuracy = 0.8 };                     // 0.2 against 0.141: not
        Assert.False((losesAccuracy with { Systems = closeSystems }).OursVersusNirvana.Beats);

        var savesLess = Report(Calibrated, oursStart: 3);
        Assert.Contains("does not save more steps", ResultsMarkdown.Verdict(savesLess));

        var same = Report(KTableSet.Uncalibrated, oursStart: 4);
        Assert.True(same.OursVersusNirvana.SameTable);
        Assert.StartsWith("No. In this run `ours` used the same prompt→prompt table as `nirvana`", ResultsMarkdown.Verdict(same));
    }

    [Fact]
    public void Options_name_every_problem()
    {
        var e = Assert.Throws<ArgumentException>(() => new CacheEvaluationOptions
        {
            Requests = 2, Warmup = 1.5, Concurrency = 0, Steps = 1, GptCacheThreshold = 2, Users = 0,
        }.Validate());
        foreach (var word in new[] { "requests", "warm-up", "concurrency", "steps", "gptcache", "users" })
        {
            Assert.Contains(word, e.Message);
        }
        var defaults = new CacheEvaluationOptions();
        Assert.Same(defaults, defaults.Validate());
    }
}
