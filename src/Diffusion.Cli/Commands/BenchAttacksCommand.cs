using System.CommandLine;
using System.Diagnostics;
using Diffusion.Cli.Attacks;
using Diffusion.Evaluation.World;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>bench attacks --json FILE [--report FILE.md]</c>: prompt stealing, a covert channel and poisoning (arXiv
/// 2508.20424) against a fresh service with the shared pool's defences off, then against one with them on.
/// </summary>
public static class BenchAttacksCommand
{
    public static Command Create()
    {
        var defaults = new AttackSettings();
        var json = new Option<string>("--json") { Description = "Write the figures to this JSON file.", Required = true };
        var report = new Option<string?>("--report") { Description = "Also write a Markdown report (method, figures, goals, costs) to this file." };
        var probes = new Option<string?>("--probes") { Description = "Also write every request (tenant, prompt, what the response showed, latency) to this JSON-lines file." };
        var models = new Option<string>("--models") { Description = "Model folder the service loads.", DefaultValueFactory = _ => defaults.ModelsDirectory };
        var steps = new Option<int>("--steps") { Description = "Denoising steps of every request (one setting throughout, so requests can hit each other).", DefaultValueFactory = _ => defaults.Steps };
        var candidates = new Option<int>("--candidates") { Description = "Prompt stealing: candidates per trial (N; chance is 1/N).", DefaultValueFactory = _ => defaults.Candidates };
        var stealingTrials = new Option<int>("--stealing-trials") { Description = "Prompt stealing: trials per service.", DefaultValueFactory = _ => defaults.StealingTrials };
        var covertBits = new Option<int>("--covert-bits") { Description = "Covert channel: symbols sent per service.", DefaultValueFactory = _ => defaults.CovertSymbols };
        var poisoningRequests = new Option<int>("--poisoning-requests") { Description = "Poisoning: victim requests per service (one plant each).", DefaultValueFactory = _ => defaults.PoisoningRequests };
        var benignTenants = new Option<int>("--benign-tenants") { Description = "Costs: honest tenants sharing popular prompts.", DefaultValueFactory = _ => defaults.BenignTenants };
        var benignPrompts = new Option<int>("--benign-prompts") { Description = "Costs: popular prompts each honest tenant sends.", DefaultValueFactory = _ => defaults.BenignPrompts };
        var calibrationPairs = new Option<int>("--calibration-pairs") { Description = "Latency calibration: own miss and repeat pairs per attacker.", DefaultValueFactory = _ => defaults.CalibrationPairs };
        var sybilTrials = new Option<int>("--two-key-trials") { Description = "Stealing trials by an attacker holding two keys, defended service only; 0 skips.", DefaultValueFactory = _ => defaults.SybilStealingTrials };
        var sybilPoisoning = new Option<int>("--two-key-poisoning-requests") { Description = "Poisoning victim requests against two keys' plants, defended service only; 0 skips.", DefaultValueFactory = _ => defaults.SybilPoisoningRequests };
        var corroboration = new Option<int?>("--corroboration") { Description = "Pass --shared-pool-corroboration N to the service [default: the service's]." };
        var victimCache = new Option<string>("--victim-cache") { Description = "Cache field of the stealing victim's request: refresh (stored as a miss is) or auto.", DefaultValueFactory = _ => defaults.VictimCache };
        victimCache.AcceptOnlyFromAmong("refresh", "auto");
        var defences = new Option<string>("--defences") { Description = "Which services to attack: both, off or on.", DefaultValueFactory = _ => "both" };
        defences.AcceptOnlyFromAmong("both", "off", "on");
        var seed = new Option<int>("--seed") { Description = "Seed of the prompts, secrets, bits and request seeds.", DefaultValueFactory = _ => defaults.Seed };
        var keepData = new Option<bool>("--keep-data") { Description = "Keep each service's data directory (images, sidecars, cache, serve.log)." };
        var quick = new Option<bool>("--quick") { Description = "A smoke run: a few trials of everything (figures without statistical power)." };

        var command = new Command("attacks",
            "Attack the shared cache pool (prompt stealing, covert channel, poisoning) with its defences off and on, and measure what the defences cost.")
        {
            json, report, probes, models, steps, candidates, stealingTrials, covertBits, poisoningRequests, benignTenants, benignPrompts, calibrationPairs,
            sybilTrials, sybilPoisoning, corroboration, victimCache, defences, seed, keepData, quick,
        };
        command.SetAction((parse, ct) =>
        {
            var settings = new AttackSettings
            {
                ModelsDirectory = parse.GetValue(models)!,
                Steps = parse.GetValue(steps),
                Candidates = parse.GetValue(candidates),
                StealingTrials = parse.GetValue(stealingTrials),
                CovertSymbols = parse.GetValue(covertBits),
                PoisoningRequests = parse.GetValue(poisoningRequests),
                BenignTenants = parse.GetValue(benignTenants),
                BenignPrompts = parse.GetValue(benignPrompts),
                CalibrationPairs = parse.GetValue(calibrationPairs),
                SybilStealingTrials = parse.GetValue(sybilTrials),
                SybilPoisoningRequests = parse.GetValue(sybilPoisoning),
                Corroboration = parse.GetValue(corroboration),
                VictimCache = parse.GetValue(victimCache)!,
                Seed = parse.GetValue(seed),
                KeepData = parse.GetValue(keepData),
            };
            if (parse.GetValue(quick)) settings = settings.Quick();
            var which = parse.GetValue(defences)!;
            return RunAsync(settings, which != "on", which != "off", parse.GetValue(json)!, parse.GetValue(report), parse.GetValue(probes), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(AttackSettings settings, bool undefended, bool defended, string jsonPath, string? reportPath,
        string? probesPath, CancellationToken cancellationToken)
    {
        var error = Console.Error;
        // The services are killed from the handler itself, before the token's cancellation reaches the requests in
        // flight, so they end as "interrupted" rather than as failures.
        using var signals = new StopSignals(cancellationToken, AttackService.KillAll);
        cancellationToken = signals.Token;
        try
        {
            var world = EmojiWorld.Load(Path.Combine(settings.ModelsDirectory, "world.json"));
            settings.Validate(world.PositionPhrases.Count * world.Colours.Count * world.Textures.Count, world.Concepts.Count);
            var started = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            var off = undefended ? await AttackRun.RunAsync(defences: false, settings, world, error, cancellationToken) : null;
            var on = defended ? await AttackRun.RunAsync(defences: true, settings, world, error, cancellationToken) : null;
            var result = new AttackBenchResult(settings, off, on, started, clock.Elapsed.TotalSeconds);
            var text = AttackReportJson.Write(result);
            await Console.Out.WriteAsync(text);
            await error.WriteLineAsync($"wrote {await OutputFile.WriteTextAsync(jsonPath, text, cancellationToken)}");
            if (reportPath is not null)
            {
                await error.WriteLineAsync($"wrote {await OutputFile.WriteTextAsync(reportPath, AttackReportMarkdown.Write(result), cancellationToken)}");
            }
            if (probesPath is not null)
            {
                await error.WriteLineAsync($"wrote {await OutputFile.WriteTextAsync(probesPath, ProbeLog.Write(result), cancellationToken)}");
            }
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or AttackServiceException)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }
}
