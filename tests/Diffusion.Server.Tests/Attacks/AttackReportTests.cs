using System.Text.Json;
using Diffusion.Cli.Attacks;
using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Server.Tests.Attacks;

/// <summary>The bench's JSON keys and Markdown, from made-up runs.</summary>
public sealed class AttackReportTests
{
    private static readonly AttackSettings Settings = new();

    private static Probe P(bool hit, int k, bool shared, double seconds, string cache = "auto") =>
        new("t", "p", cache, "img", hit, k, shared, null, null, null, seconds);

    private static ModeResult Mode(bool defences, double stealingScore, BinaryChannelTable table, int poisoned)
    {
        var calibration = new Calibration(new HitRule(10, 0.7), 0.45, 0.95, 6, []);
        var stealing = new StealingResult(
            [new StealingTrial(["a", "b"], 0, stealingScore >= 1 ? [0] : [], stealingScore >= 1 ? 1.0 : 0.125)], 8);
        var probes = new[] { P(true, 10, true, defences ? 1.0 : 0.4), P(false, 0, false, 1.0, "refresh") };
        return new ModeResult(defences, calibration, calibration, new BenignResult(probes, 20), stealing, new CovertResult(table, 1.5),
            new PoisoningResult(new PoisoningCount(poisoned, 60), new PoisoningCount(poisoned, 60), 60, 60),
            defences ? stealing : null, null, LatencyFigures.From(probes, 10), probes, 300);
    }

    private static AttackBenchResult Result(bool withDefended = true) => new(Settings,
        Mode(false, 1.0, new BinaryChannelTable(32, 0, 0, 32), 45),
        withDefended ? Mode(true, 0.125, new BinaryChannelTable(32, 0, 32, 0), 0) : null,
        DateTimeOffset.Parse("2026-12-06T12:00:00Z"), 900);

    [Fact]
    public void The_json_has_the_headline_keys_with_both_runs()
    {
        using var json = JsonDocument.Parse(AttackReportJson.Write(Result()));
        var root = json.RootElement;
        Assert.Equal(0.125, root.GetProperty("prompt_stealing").GetProperty("defended").GetDouble());
        Assert.Equal(1.0, root.GetProperty("prompt_stealing").GetProperty("undefended").GetDouble());
        Assert.Equal(0.125, root.GetProperty("prompt_stealing").GetProperty("chance").GetDouble());
        Assert.True(root.GetProperty("prompt_stealing").GetProperty("goal_met").GetBoolean());
        Assert.Equal(0.0, root.GetProperty("covert_channel_bits_per_hour").GetProperty("defended").GetDouble());
        Assert.Equal(2400.0, root.GetProperty("covert_channel_bits_per_hour").GetProperty("undefended").GetDouble(), 6);
        Assert.Equal(0.0, root.GetProperty("poisoning").GetProperty("defended").GetDouble());
        Assert.Equal(0.75, root.GetProperty("poisoning").GetProperty("undefended").GetDouble());
        Assert.True(root.GetProperty("poisoning").GetProperty("undefended_above_zero").GetBoolean());
        Assert.Equal(24, root.GetProperty("prompt_stealing").GetProperty("trials").GetInt32());
        Assert.Equal(1.0, root.GetProperty("cost").GetProperty("shared_hit_latency_p50_seconds").GetProperty("defended").GetDouble());
        Assert.Equal(0.4, root.GetProperty("cost").GetProperty("shared_hit_latency_p50_seconds").GetProperty("undefended").GetDouble());
        Assert.Equal(0.125, root.GetProperty("two_keys").GetProperty("prompt_stealing").GetProperty("score").GetDouble());
    }

    [Fact]
    public void A_skipped_run_is_null_and_no_goal_is_judged()
    {
        using var json = JsonDocument.Parse(AttackReportJson.Write(Result(withDefended: false)));
        var stealing = json.RootElement.GetProperty("prompt_stealing");
        Assert.Equal(JsonValueKind.Null, stealing.GetProperty("defended").ValueKind);
        Assert.Equal(JsonValueKind.Null, stealing.GetProperty("goal_met").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("two_keys").ValueKind);
    }

    [Fact]
    public void The_markdown_states_the_method_and_judges_the_goals()
    {
        var markdown = AttackReportMarkdown.Write(Result());
        Assert.Contains("## Method", markdown);
        Assert.Contains("| prompt stealing, expected success (24 trials, N = 8, chance 0.125) | 1.000 | 0.125 | ≤ 0.175 | met |", markdown);
        Assert.Contains("| poisoning, share of victim requests (60 requests) | 0.750 | 0.000 |", markdown);
        Assert.Contains("## What the defences cost", markdown);
        Assert.Contains("## An attacker with two keys", markdown);
    }

    [Fact]
    public void Findings_name_the_two_key_attack_and_latency_noise_only_when_the_figures_show_them()
    {
        Assert.DoesNotContain(AttackFindings.For(Result()), f => f.Contains("two keys"));

        var noisy = new StealingResult([new StealingTrial(["a", "b"], 0, [1], 0.0) { ByLatency = [1] }], 8);
        var defended = Result().Defended! with
        {
            Stealing = noisy,
            SybilPoisoning = new PoisoningResult(new PoisoningCount(15, 16), new PoisoningCount(15, 16), 32, 32),
        };
        var findings = AttackFindings.For(Result() with { Defended = defended });

        Assert.Contains(findings, f => f.StartsWith("Corroboration counts tenants", StringComparison.Ordinal) && f.Contains("0.938"));
        Assert.Contains(findings, f => f.Contains("latency alone (1 probe whose"));
        Assert.Contains("## Findings", AttackReportMarkdown.Write(Result() with { Defended = defended }));
    }
}
