using System.CommandLine;
using System.Globalization;
using Diffusion.Cli.Replay;
using Diffusion.Replay;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>replay TRACE</c>: sends a prompt log to the service (a running one, or one started in this
/// process) and writes what happened: requests.jsonl, summary.json, plots, and a printed summary
/// compared with the server's own counters. See docs/replay.md.
/// </summary>
public static class ReplayCommand
{
    public const string Name = "replay";

    public static Command Create()
    {
        var trace = new Argument<string>("trace") { Description = "Prompt log to replay: .tsv (prompt, timestamp, user, seed columns; the real logs read too) or .jsonl" };
        var server = new Option<string?>("--server") { Description = $"Base address of a running service [default: {ServeCommand.DefaultUrls}]", HelpName = "url" };
        var inProcess = new Option<bool>("--in-process") { Description = "Start the service in this process on a free loopback port and replay against it over HTTP" };
        var models = new Option<string>("--models") { Description = "Model folder for --in-process", DefaultValueFactory = _ => "./models" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory of the --in-process service [default: OUT/server-data]" };
        var rate = new Option<double?>("--rate") { Description = "Poisson arrivals at this many requests per second (seeded by --seed) [default: closed loop, as fast as --concurrency allows]" };
        var timestamps = new Option<bool>("--timestamps") { Description = "Send at the trace's own timestamps" };
        var timeScale = new Option<double>("--time-scale") { Description = "With --timestamps, multiplies every gap (0.01 = 100x faster)", DefaultValueFactory = _ => 1.0 };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = $"Most requests awaiting an answer at once", DefaultValueFactory = _ => ReplayOptions.DefaultConcurrency };
        var output = new Option<string?>("--out", "-o") { Description = "Output directory [default: ./replay-<UTC timestamp>]", HelpName = "dir" };
        var limit = new Option<int?>("--limit", "-n") { Description = "Replay only the first N records" };
        var steps = new Option<int?>("--steps") { Description = "Denoising steps sent with every request [default: the server's]" };
        var seed = new Option<long>("--seed") { Description = "Seed of the Poisson arrivals", DefaultValueFactory = _ => 1 };
        var compareOff = new Option<bool>("--compare-off") { Description = "Replay a second time with the cache off and compare the latency CDFs" };
        var maxRetries = new Option<int>("--max-retries") { Description = $"429 answers one request may get before it is given up", DefaultValueFactory = _ => ReplayOptions.DefaultMaxRetries };
        var drain = new Option<double>("--drain-timeout") { Description = "Seconds requests already sent may still finish after Ctrl+C", DefaultValueFactory = _ => 30 };
        var apiKey = new Option<string?>("--api-key")
        {
            Description = $"API key for a service with keys (sent as Authorization: Bearer) [default: the environment variable {ApiKeyVariable}]; " +
                          "the server counters in the summary need an admin key",
            HelpName = "key",
        };
        var requestTimeout = new Option<double>("--request-timeout") { Description = "Seconds to wait for one answer", DefaultValueFactory = _ => 600 };

        SecondsBetween(drain, allowZero: true);
        SecondsBetween(requestTimeout, allowZero: false);

        var command = new Command(Name, "Replay a prompt log against the service: latency, cache hits, server counters, plots.")
        {
            trace, server, inProcess, models, dataDir, rate, timestamps, timeScale, concurrency, output, limit, steps, seed,
            compareOff, maxRetries, drain, requestTimeout, apiKey,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var given = parse.GetValue(server);
            if (given is not null && parse.GetValue(inProcess))
            {
                await error.WriteLineAsync("replay: --server and --in-process exclude each other");
                return ReplayExitCodes.BadInput;
            }
            var serverText = given ?? ServeCommand.DefaultUrls;
            if (!Uri.TryCreate(serverText, UriKind.Absolute, out var serverUri))
            {
                await error.WriteLineAsync($"replay: --server '{serverText}' is not an absolute http:// address such as {ServeCommand.DefaultUrls}");
                return ReplayExitCodes.BadInput;
            }
            var rateValue = parse.GetValue(rate);
            if (rateValue is not null && parse.GetValue(timestamps))
            {
                await error.WriteLineAsync("replay: --rate and --timestamps exclude each other");
                return ReplayExitCodes.BadInput;
            }

            var options = new ReplayOptions
            {
                Server = serverUri,
                OutputDirectory = parse.GetValue(output) ?? ReplayFiles.DefaultDirectory(TimeProvider.System.GetUtcNow()),
                Arrivals = rateValue is not null ? ArrivalMode.Poisson : parse.GetValue(timestamps) ? ArrivalMode.Timestamps : ArrivalMode.ClosedLoop,
                Rate = rateValue,
                TimeScale = parse.GetValue(timeScale),
                Concurrency = parse.GetValue(concurrency),
                Limit = parse.GetValue(limit),
                Steps = parse.GetValue(steps),
                Seed = parse.GetValue(seed),
                CompareOff = parse.GetValue(compareOff),
                MaxRetries = parse.GetValue(maxRetries),
                DrainTimeout = Seconds(parse.GetValue(drain)),
                RequestTimeout = Seconds(parse.GetValue(requestTimeout)),
                ApiKey = parse.GetValue(apiKey) ?? (Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } key ? key : null),
            };
            var inProcessHost = parse.GetValue(inProcess)
                ? new InProcessServiceOptions(parse.GetValue(models)!,
                    parse.GetValue(dataDir) ?? Path.Combine(options.OutputDirectory, "server-data"))
                : null;
            return await ReplayRun.RunAsync(parse.GetValue(trace)!, options, inProcessHost,
                parse.InvocationConfiguration.Output, error, cancellationToken);
        });
        return command;
    }

    /// <summary>Where a client's key may come from instead of the command line (which other users can read in the process list).</summary>
    public const string ApiKeyVariable = "DIFFUSION_API_KEY";

    private static TimeSpan Seconds(double seconds) => TimeSpan.FromSeconds(seconds);

    /// <summary>Seconds must lie in [min, 1 day] (exclusive of min when <paramref name="allowZero"/> is false).</summary>
    private static void SecondsBetween(Option<double> option, bool allowZero)
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!double.IsFinite(value) || value < 0 || (!allowZero && value == 0) || value > MaxSeconds)
                result.AddError($"{option.Name} must be {(allowZero ? "between 0" : "more than 0")} and {MaxSeconds} seconds; it is {value.ToString(CultureInfo.InvariantCulture)}");
        });
    }

    private const double MaxSeconds = 86_400;
}
