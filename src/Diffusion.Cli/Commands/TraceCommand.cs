using System.CommandLine;
using Diffusion.Evaluation.World;
using Diffusion.Lab.Traces;
using Diffusion.Replay.Traces;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>trace generate</c> writes a synthetic request trace of the emoji world for the cache
/// benchmark; <c>trace stats</c> measures any trace file (or a real log) the way the trace
/// parameters were measured, beside the derived numbers.
/// </summary>
public static class TraceCommand
{
    public static Command Create()
    {
        var command = new Command("trace", "Generate request traces and measure their statistics.");
        command.Add(CreateGenerate());
        command.Add(CreateStats());
        return command;
    }

    private static Command CreateGenerate()
    {
        var count = new Option<int>("--count", "-n") { Description = "Number of requests.", DefaultValueFactory = _ => 2000 };
        var seed = new Option<long>("--seed", "-s") { Description = "Random seed; the same seed gives the same trace.", DefaultValueFactory = _ => 1 };
        var world = new Option<string>("--world") { Description = "The emoji world file.", DefaultValueFactory = _ => "models/world.json" };
        var output = new Option<string>("--output", "-o") { Description = "Trace file to write (.jsonl or .tsv).", Required = true };
        var users = new Option<int?>("--users") { Description = "Number of users (default: derived from the real logs)." };
        var pool = new Option<int>("--pool-size") { Description = "Number of popular scenes.", DefaultValueFactory = _ => 100 };
        var repeat = new Option<double?>("--repeat-rate") { Description = "Fraction of requests whose prompt was seen before." };
        var edit = new Option<double?>("--edit-rate") { Description = "Fraction of requests that edit the user's previous prompt." };
        var share = new Option<double?>("--popular-share") { Description = "Share of repeats that go to the popular pool." };
        var exponent = new Option<double?>("--popularity-exponent") { Description = "Zipf exponent of the popular pool." };
        var timeScale = new Option<double>("--time-scale") { Description = "Multiplies every inter-arrival gap (0.01 = 100x faster).", DefaultValueFactory = _ => 1.0 };
        var parameters = ParametersOption();

        var generate = new Command("generate", "Write a synthetic request trace of the emoji world.")
        {
            count, seed, world, output, users, pool, repeat, edit, share, exponent, timeScale, parameters,
        };
        generate.SetAction(async (parse, cancellationToken) =>
        {
            var options = new TraceOptions
            {
                Count = parse.GetValue(count),
                Seed = parse.GetValue(seed),
                Users = parse.GetValue(users),
                PopularPoolSize = parse.GetValue(pool),
                RepeatRate = parse.GetValue(repeat),
                EditRate = parse.GetValue(edit),
                PopularShare = parse.GetValue(share),
                PopularityExponent = parse.GetValue(exponent),
                TimeScale = parse.GetValue(timeScale),
            };
            return await RunAsync(async () =>
            {
                var generator = new TraceGenerator(EmojiWorld.Load(parse.GetValue(world)!), LoadParameters(parse.GetValue(parameters)), options);
                var requests = generator.Generate();
                var path = parse.GetValue(output)!;
                await TraceFileWriter.WriteAsync(path, requests, cancellationToken);
                var c = generator.Calibration;
                Console.WriteLine($"wrote {requests.Count} requests to {path} (span {requests[^1].At}; " +
                    $"p(popular) {c.PopularProbability:0.###}, p(resend) {c.ExactRepeatProbability:0.###}, p(edit) {c.EditProbability:0.###})");
            });
        });
        return generate;
    }

    private static Command CreateStats()
    {
        var file = new Argument<string>("file") { Description = "A trace file (.jsonl or .tsv), or a real log in TSV." };
        var parameters = ParametersOption();
        var stats = new Command("stats", "Print repeat rate, edit fraction, popularity fit and inter-arrival quantiles of a trace file.")
        {
            file, parameters,
        };
        stats.SetAction(async (parse, cancellationToken) => await RunAsync(async () =>
        {
            var path = parse.GetValue(file)!;
            var derived = LoadParameters(parse.GetValue(parameters));
            var records = await TraceFileReader.ReadAsync(path, cancellationToken);
            var report = TraceStatistics.FromParameters(derived).Measure(records);
            Console.Write(TraceReportFormatter.Format(path, report, derived));
        }));
        return stats;
    }

    private static Option<string?> ParametersOption() =>
        new("--params") { Description = "Trace parameters to use instead of the built-in trace-params.json." };

    private static TraceParameters LoadParameters(string? path) =>
        path is null ? TraceParameters.Default : TraceParameters.Load(path);

    /// <summary>Bad input (missing file, invalid options, malformed trace) becomes a message and exit code 1.</summary>
    private static async Task<int> RunAsync(Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or FormatException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"trace: {e.Message}");
            return 1;
        }
    }
}
