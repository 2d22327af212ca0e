using System.CommandLine;
using System.Text.Json;
using Diffusion.Cli.Engine;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Slo;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>bench slo --json FILE</c>: Poisson arrivals of a realistic mix through the engine once per scheduling policy and
/// load; SLO attainment, latency per class, throughput and pauses, and the headline gain over request-level FCFS.
/// </summary>
public static class BenchSloCommand
{
    public static Command Create()
    {
        var json = new Option<string>("--json") { Description = "Write the measurements to this JSON file (the plot goes beside it as .png).", Required = true };
        var models = new Option<string>("--models") { Description = "Model folder (diffusers ONNX layout, with llm/ for expansions).", DefaultValueFactory = _ => "./models" };
        var requests = new Option<int>("--requests") { Description = "Requests per policy and load.", DefaultValueFactory = _ => new SloBenchOptions().RequestsPerPoint };
        var repeats = new Option<int>("--repeats") { Description = "Runs per policy and load, each with its own seeded arrivals; the figures pool them.", DefaultValueFactory = _ => 1 };
        var steps = new Option<int>("--steps") { Description = "Denoising steps of a full run (hits start at K scaled to them).", DefaultValueFactory = _ => 50 };
        var loads = new Option<string>("--loads") { Description = "Loads as multiples of the measured capacity, comma-separated.", DefaultValueFactory = _ => "0.5,0.75,1,1.25,1.5" };
        var provider = new Option<string>("--provider") { Description = "Execution provider: cpu, or cuda (needs the GPU build of ONNX Runtime).", DefaultValueFactory = _ => "cpu" };
        provider.AcceptOnlyFromAmong("cpu", "cuda");
        var fromJson = new Option<string?>("--from-json")
        {
            Description = "Summarise the points of an earlier run's JSON again (the headline figures as this build reads them), without measuring.",
        };
        var simulate = new Option<string?>("--simulate")
        {
            Description = "Play every run on a virtual clock instead of the models, at these prices in ms: "
                + "OVERHEAD,PER_JOB,LLM_ITERATION (a diffusion iteration of n jobs costs OVERHEAD + n x PER_JOB), e.g. 0,15.4,4.2. "
                + "The real scheduler decides; a sweep takes seconds. With --batch-costs, only LLM_ITERATION.",
        };
        var batchCosts = new Option<string?>("--batch-costs")
        {
            Description = "With --simulate LLM_ITERATION: a diffusion iteration of n jobs costs the n-th of these ms instead of a line, "
                + "as bench engine measures sizes 1-8 (its iteration_seconds_by_jobs), e.g. 7.7,13.8,19.3,24.7,31,37.7,43.1,51.2; "
                + "past the list each further job adds the list's last step.",
        };
        var slowSpells = new Option<string?>("--slow-spells")
        {
            Description = "With --simulate: FACTOR,SHARE,SECONDS, e.g. 1.6,0.2,2: the run is cut into spans of SECONDS, and a SHARE of them, "
                + "drawn at random, run FACTOR times slower, as a shared machine does for seconds at a time.",
        };
        var command = new Command("slo", "Benchmark the scheduling policies (request- and iteration-level FCFS, edf, least-slack, cache-aware) "
            + "under Poisson load: slo_attainment_gain, interactive and expanded p95, throughput, pauses.")
        {
            json, models, requests, repeats, steps, loads, provider, fromJson, simulate, batchCosts, slowSpells,
        };
        command.SetAction((parse, cancellationToken) => parse.GetValue(fromJson) is { } recorded
            ? ResummariseAsync(recorded, parse.GetValue(json)!, cancellationToken)
            : RunAsync(parse.GetValue(json)!, parse.GetValue(models)!, parse.GetValue(requests),
                parse.GetValue(repeats), parse.GetValue(steps), parse.GetValue(loads)!, parse.GetValue(provider)!, parse.GetValue(simulate), parse.GetValue(batchCosts), parse.GetValue(slowSpells), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string jsonPath, string modelsPath, int requests, int repeats, int steps, string loads, string provider,
        string? simulate, string? batchCosts, string? slowSpells, CancellationToken cancellationToken)
    {
        try
        {
            var options = new SloBenchOptions
            {
                RequestsPerPoint = requests,
                Repeats = repeats,
                Steps = steps,
                Loads = NumberList.Parse<double>(loads, "--loads"),
            }.Validate();
            if (batchCosts is not null && simulate is null)
            {
                throw new ArgumentException("--batch-costs prices a simulated run: give --simulate LLM_ITERATION with it.");
            }
            if (slowSpells is not null && simulate is null)
            {
                throw new ArgumentException("--slow-spells slows a simulated run: give --simulate with it.");
            }
            if (simulate is not null)
            {
                await WriteAsync(await SimulateAsync(options, simulate, batchCosts, slowSpells, cancellationToken), jsonPath, cancellationToken);
                return 0;
            }
            var kind = provider == "cuda" ? ExecutionProviderKind.Cuda : ExecutionProviderKind.Cpu;
            using var models = DiffusionModels.Load(modelsPath, new OnnxRuntimeOptions { ExecutionProvider = kind });
            var device = DeviceLabel.For(kind);
            var report = await new SloBench(new DiffusionPipeline(models), modelsPath, options, Console.Error).RunAsync(device, cancellationToken);
            await WriteAsync(report, jsonPath, cancellationToken);
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidDataException or FileNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static Task<SloBenchReport> SimulateAsync(SloBenchOptions options, string prices, string? batchCosts, string? slowSpells,
        CancellationToken cancellationToken)
    {
        var ms = NumberList.Parse<double>(prices, "--simulate");
        var costs = (batchCosts, ms.Length) switch
        {
            (null, 3) => new SimulatedCosts(ms[0], ms[1], ms[2]),
            (null, _) => throw new ArgumentException($"--simulate takes three prices in ms, OVERHEAD,PER_JOB,LLM_ITERATION (got '{prices}')."),
            (_, 1) => SimulatedCosts.Measured(NumberList.Parse<double>(batchCosts, "--batch-costs"), ms[0]),
            _ => throw new ArgumentException($"with --batch-costs, --simulate takes one price in ms, LLM_ITERATION (got '{prices}')."),
        };
        if (slowSpells is not null)
        {
            var spell = NumberList.Parse<double>(slowSpells, "--slow-spells");
            costs = spell.Length == 3
                ? costs with { Spells = new SlowSpells(spell[0], spell[1], spell[2]) }
                : throw new ArgumentException($"--slow-spells takes FACTOR,SHARE,SECONDS (got '{slowSpells}').");
        }
        costs.Validate();
        return new SloSweep(options, costs.Step, TimeSpan.FromMilliseconds(costs.LlmIterationMs) * options.ExpansionTokens,
                (scheduler, requests) => Task.FromResult(SloSimulation.Run(scheduler, requests, options, costs)), Console.Error)
            .RunAsync(costs.Describe(), cancellationToken);
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static async Task<int> ResummariseAsync(string recordedPath, string jsonPath, CancellationToken cancellationToken)
    {
        try
        {
            var recorded = JsonSerializer.Deserialize<SloBenchReport>(await File.ReadAllTextAsync(recordedPath, cancellationToken), Json)
                ?? throw new InvalidDataException($"{recordedPath} holds no bench slo report.");
            await WriteAsync(SloHeadline.Summarise(recorded), jsonPath, cancellationToken);
            return 0;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or FileNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {recordedPath}: {e.Message}");
            return 1;
        }
    }

    private static async Task WriteAsync(SloBenchReport report, string jsonPath, CancellationToken cancellationToken)
    {
        SloBenchTable.Write(report, Console.Out);
        var full = await OutputFile.WriteTextAsync(jsonPath, JsonSerializer.Serialize(report, Json), cancellationToken);
        var plot = Path.ChangeExtension(full, ".png");
        await File.WriteAllBytesAsync(plot, SloPlot.Render(report), cancellationToken);
        Console.Error.WriteLine($"wrote {full} and {plot}");
    }
}
