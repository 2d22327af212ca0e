using System.Diagnostics;
using Diffusion.Evaluation.World;

namespace Diffusion.Cli.Attacks;

/// <summary>Everything one service run measured.</summary>
public sealed record ModeResult(
    bool Defences,
    Calibration ThiefCalibration,
    Calibration ReceiverCalibration,
    BenignResult Benign,
    StealingResult Stealing,
    CovertResult Covert,
    PoisoningResult Poisoning,
    StealingResult? SybilStealing,
    PoisoningResult? SybilPoisoning,
    LatencyFigures Latency,
    IReadOnlyList<Probe> Probes,
    double Seconds)
{
    public int Requests => Probes.Count;
}

/// <summary>
/// One run of every attack against a fresh service, defences on or off: warm-up, benign sharing (on the cold pool),
/// the attackers' calibrations, stealing, the covert channel, poisoning, and with defences on the two-key tests. The
/// phases draw prompts from one seeded stream in the same order in both runs, so both see the same prompts.
/// </summary>
public static class AttackRun
{
    private const int WarmupRequests = 2;

    public static async Task<ModeResult> RunAsync(bool defences, AttackSettings settings, EmojiWorld world, TextWriter progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var started = Stopwatch.GetTimestamp();
        var log = new AttackLog(defences ? "defences on" : "defences off", progress);
        var tenants = new AttackTenants(settings.BenignTenants);
        var prompts = new AttackPrompts(world, settings.Seed);
        log.Progress("starting the service");
        await using var service = await AttackService.StartAsync(
            new AttackServiceOptions(settings.ModelsDirectory, defences, settings.Corroboration, tenants.ToApiKeys(), settings.KeepData),
            progress, cancellationToken).ConfigureAwait(false);
        using var http = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromMinutes(5) };
        TenantClient Client(string name) => new(http, tenants[name], settings.Steps);
        try
        {
            // The first runs load and JIT the pipeline; cache off keeps them out of the pool and out of the figures.
            var warm = Client(tenants.Benign[0].Name);
            for (var i = 0; i < WarmupRequests; i++)
            {
                await warm.GenerateAsync("a cat in the center on a white background", i + 1, "off", cancellationToken).ConfigureAwait(false);
            }

            var benign = await BenignSharing.RunAsync(tenants.Benign.Select(t => Client(t.Name)).ToList(), prompts, settings.BenignPrompts,
                settings.Steps, log, cancellationToken).ConfigureAwait(false);

            var thief = Client(AttackTenants.Thief);
            var receiver = Client(AttackTenants.Receiver);
            var thiefCalibration = await LatencyCalibration.RunAsync(thief, prompts, settings.CalibrationPairs, log, cancellationToken).ConfigureAwait(false);
            var receiverCalibration = await LatencyCalibration.RunAsync(receiver, prompts, settings.CalibrationPairs, log, cancellationToken).ConfigureAwait(false);

            var stealing = await PromptStealingAttack.RunAsync(Client(AttackTenants.StealingVictim), thief, null, thiefCalibration.Rule, prompts,
                settings.StealingTrials, settings.Candidates, settings.VictimCache, log, cancellationToken).ConfigureAwait(false);
            var covert = await CovertChannelAttack.RunAsync(Client(AttackTenants.Sender), receiver, receiverCalibration.Rule, prompts,
                settings.CovertSymbols, log, cancellationToken).ConfigureAwait(false);
            log.Progress($"covert channel: {covert.BitsPerSymbol:0.0000} bits/symbol × {covert.SymbolsPerHour:0} symbols/h = {covert.BitsPerHour:0.0} bits/h");
            var poisoning = await PoisoningAttack.RunAsync(Client(AttackTenants.Planter), null, Client(AttackTenants.PoisoningVictim), prompts,
                settings.PoisoningRequests, service.ImagesDirectory, log, cancellationToken).ConfigureAwait(false);

            // Two keys only matter where corroboration counts tenants; without defences one key already wins.
            StealingResult? sybilStealing = null;
            PoisoningResult? sybilPoisoning = null;
            if (defences && settings.SybilStealingTrials > 0)
            {
                sybilStealing = await PromptStealingAttack.RunAsync(Client(AttackTenants.StealingVictim), thief, Client(AttackTenants.ThiefAccomplice),
                    thiefCalibration.Rule, prompts, settings.SybilStealingTrials, settings.Candidates, settings.VictimCache, log, cancellationToken)
                    .ConfigureAwait(false);
            }
            if (defences && settings.SybilPoisoningRequests > 0)
            {
                sybilPoisoning = await PoisoningAttack.RunAsync(Client(AttackTenants.Planter), Client(AttackTenants.PlanterAccomplice),
                    Client(AttackTenants.PoisoningVictim), prompts, settings.SybilPoisoningRequests, service.ImagesDirectory, log, cancellationToken)
                    .ConfigureAwait(false);
            }

            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            log.Progress($"done: {log.Probes.Count} requests in {seconds:0} s");
            return new ModeResult(defences, thiefCalibration, receiverCalibration, benign, stealing, covert, poisoning, sybilStealing, sybilPoisoning,
                LatencyFigures.From(log.Probes, thiefCalibration.Rule.RepeatK), log.Probes, seconds);
        }
        catch (HttpRequestException e)
        {
            throw new AttackServiceException($"the service stopped answering ({e.Message}); its last lines:\n{service.LogTail()}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AttackServiceException($"a request to the service timed out; its last lines:\n{service.LogTail()}", e);
        }
    }
}
