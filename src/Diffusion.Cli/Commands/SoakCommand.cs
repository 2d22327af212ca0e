using System.CommandLine;
using System.Globalization;
using Diffusion.Cli.Soak;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>soak</c>: a bounded fault-injection run against real processes on loopback: its own Redis and
/// its own service (this CLI's <c>serve</c>), crashes, Redis outages, a full disk, corrupt latents and
/// dropped event streams under Poisson load, then an overload phase; writes what was accepted, how it
/// ended, and what was lost or served wrongly.
/// </summary>
public static class SoakCommand
{
    public const string Name = "soak";

    public static Command Create()
    {
        var minutes = new Option<int>("--minutes") { Description = "Length of the fault phase in minutes (at least 1); warm-up, drain and overload add a few minutes", DefaultValueFactory = _ => 15 };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON to this file [default: stdout]", HelpName = "file" };
        var report = new Option<string?>("--report") { Description = "Also write the headline numbers as a markdown table to this file", HelpName = "file" };
        var load = new Option<double>("--load") { Description = "Arrival rate of the fault phase as a fraction of the capacity measured in the warm-up", DefaultValueFactory = _ => 0.8 };
        var killEvery = new Option<double>("--kill-every") { Description = "Mean seconds between kill -9s of the service (each followed by a restart)", DefaultValueFactory = _ => 120, HelpName = "seconds" };
        var port = new Option<int?>("--port") { Description = "Loopback port of the service [default: a free port]" };
        var models = new Option<string>("--models") { Description = "Model folder the service loads; its world.json gives the prompts", DefaultValueFactory = _ => "./models" };
        var seed = new Option<int>("--seed") { Description = "Seed of the arrivals, prompts, fault times and corrupted bytes", DefaultValueFactory = _ => 1 };
        var keepData = new Option<bool>("--keep-data") { Description = "Keep the work directory: service and Redis logs, and a copy of the data directory at the end" };
        var store = new Option<string>("--store")
        {
            Description = "Latent store of the service: files (corrupt files and a full disk reach it), redis (--cache-redis: Redis outages reach it), "
                          + "or both (files for the first half of the fault phase, redis for the second)",
            DefaultValueFactory = _ => "both",
        };
        store.AcceptOnlyFromAmong("files", "redis", "both");
        var overloadWait = new Option<double?>("--overload-max-queue-wait")
        {
            Description = "The service's --max-queue-wait in the overload phase (new work that would wait longer gets 429) [default: half the warm-up's unloaded p99]",
            HelpName = "seconds",
        };
        overloadWait.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is { } w && !(w > 0)) r.AddError("--overload-max-queue-wait must be more than 0"); });
        minutes.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--minutes must be at least 1"); });
        load.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<double>();
            if (!(value > 0 && value <= 2)) r.AddError($"--load must be more than 0 and at most 2; it is {value.ToString(CultureInfo.InvariantCulture)}");
        });
        killEvery.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<double>();
            if (!(value >= 20 && value <= 86_400)) r.AddError($"--kill-every must be between 20 and 86400 seconds; it is {value.ToString(CultureInfo.InvariantCulture)}");
        });
        port.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is { } p && p is < 1 or > 65535) r.AddError("--port must be between 1 and 65535"); });

        var command = new Command(Name,
            "Fault-injection soak on loopback: starts its own redis-server and service (data directory on a small tmpfs), measures capacity, "
            + "then sends Poisson traffic (half synchronous, half jobs; some job clients drop their event stream) while it kills the service, "
            + "stops Redis, fills the disk and corrupts stored latents; ends with a final crash and job check, then an overload phase at 3x capacity. "
            + "Reports accepted requests and their outcomes, lost jobs, images served from corrupted latents, unexplained 5xx, "
            + "disk use against the cache budget, memory, file handles and threads. Needs root to mount the tmpfs (else the disk is not filled).")
        {
            minutes, json, report, load, killEvery, port, models, seed, keepData, store, overloadWait,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new SoakOptions
            {
                Minutes = parse.GetValue(minutes),
                JsonPath = parse.GetValue(json),
                ReportPath = parse.GetValue(report),
                Load = parse.GetValue(load),
                KillEverySeconds = parse.GetValue(killEvery),
                Port = parse.GetValue(port),
                ModelsDirectory = parse.GetValue(models)!,
                Seed = parse.GetValue(seed),
                KeepData = parse.GetValue(keepData),
                Store = Enum.Parse<SoakStore>(parse.GetValue(store)!, ignoreCase: true),
                OverloadMaxQueueWaitSeconds = parse.GetValue(overloadWait),
            };
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (!Directory.Exists(options.ModelsDirectory))
            {
                await error.WriteLineAsync($"soak: --models '{options.ModelsDirectory}' is not a folder");
                return 2;
            }

            using var signals = new StopSignals(cancellationToken, () => error.WriteLine(
                "\nsoak: stopping: killing the service and Redis, unmounting the tmpfs (signal again to quit at once and leave them)"));
            var result = await new SoakSession(options, error).RunAsync(signals.Token);
            var text = result.ToJson();
            if (options.JsonPath is { } path) await File.WriteAllTextAsync(path, text + "\n", CancellationToken.None);
            else await output.WriteLineAsync(text);
            if (options.ReportPath is { } markdown) await File.WriteAllTextAsync(markdown, result.ToMarkdown(), CancellationToken.None);
            await error.WriteLineAsync($"soak: accepted {result.Accepted}, succeeded {result.Outcomes.Succeeded}, lost jobs {result.LostJobsCount}, " +
                                       $"corrupt served {result.CorruptServedCount}, unexplained 5xx {result.Unexplained5xxCount}" +
                                       (options.JsonPath is { } p ? $"; written to {p}" : ""));
            return result.Completed ? 0 : result.Problem == "interrupted" ? CommandErrors.Interrupted : 1;
        });
        return command;
    }
}
