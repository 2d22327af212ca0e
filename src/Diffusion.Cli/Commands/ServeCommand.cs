using System.CommandLine;
using System.Globalization;
using Diffusion.Cache.Policy;
using Diffusion.Engine.Scheduling;
using Diffusion.Inference.Onnx;
using Diffusion.Server;
using Diffusion.Server.Caching;
using Diffusion.Server.Generation;
using Diffusion.Server.Identity;
using Diffusion.Server.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>serve</c>: the composition root of the web host. Settings come from appsettings.json, then
/// environment variables (<c>Server__MaxSteps=100</c>), then these options, last one winning.
/// </summary>
public static class ServeCommand
{
    public const string Name = "serve";
    public const string DefaultUrls = "http://127.0.0.1:5000";

    /// <summary>API keys in clear for deployments that inject secrets as environment variables.</summary>
    public const string ApiKeysVariable = "DIFFUSION_API_KEYS";

    public static Command Create()
    {
        var urls = new Option<string?>("--urls")
        {
            Description = $"Addresses to listen on, separated by ';' [default: {DefaultUrls}, loopback only]",
            HelpName = "url;url",
        };
        urls.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            foreach (var url in (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Uri.TryCreate(url.Replace("*", "localhost").Replace("+", "localhost"), UriKind.Absolute, out var uri)
                    || uri.Scheme is not ("http" or "https"))
                    result.AddError($"--urls: '{url}' is not an http:// or https:// address such as {DefaultUrls}");
            }
        });

        var settings = new List<(Option Option, string Key)>();
        Option<T> Setting<T>(string name, string key, string description)
        {
            var option = new Option<T>(name) { Description = description };
            settings.Add((option, $"{ServerOptions.SectionName}:{key}"));
            return option;
        }

        var models = new Option<string>("--models") { Description = "Model folder in diffusers' ONNX layout", DefaultValueFactory = _ => "./models" };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads per operator, 0 = one per core", DefaultValueFactory = _ => 0 };
        var provider = new Option<string>("--provider") { Description = "Execution provider: cpu, or cuda (needs the GPU build of ONNX Runtime)", DefaultValueFactory = _ => "cpu" };
        provider.AcceptOnlyFromAmong("cpu", "cuda");
        var noCache = new Option<bool>("--no-cache") { Description = "Serve every request as a full run: no cache lookups, nothing stored" };
        var cacheSize = new Option<string>("--cache-size")
        {
            Description = "Disk budget of the latent cache (under --data-dir/cache); LCBFU evicts beyond it",
            DefaultValueFactory = _ => "2GB",
            HelpName = "size",
        };
        cacheSize.Validators.Add(result =>
        {
            if (!Diffusion.CacheStore.ByteSize.TryParse(result.GetValueOrDefault<string>(), out _, out var problem))
                result.AddError($"--cache-size: {problem}");
        });
        var redis = new Option<string?>("--cache-redis")
        {
            Description = "Share the cache between instances through this Redis (host:port); without it the cache is local",
            HelpName = "host:port",
        };
        var poolDefences = new Option<string?>("--shared-pool-defences")
        {
            Description = "Defences of the cache's shared pool (tenants whose keys have cache scope shared): corroboration, " +
                          "hidden sources, padded latency; off only to measure the attacks (docs/reliability.md) [default: on]",
            HelpName = "on|off",
        };
        poolDefences.AcceptOnlyFromAmong("on", "off");
        var policy = new Option<string>("--scheduling-policy")
        {
            Description = "Who the engine runs next: fcfs (first come, first served), edf (earliest due time, with admission " +
                          "control), least-slack (pauses batch work at a step boundary for urgent work), cache-aware (least slack, " +
                          "then the least work left). Requests say their class with slo (interactive, batch) and deadline_ms",
            DefaultValueFactory = _ => "fcfs",
        };
        policy.AcceptOnlyFromAmong([.. SchedulingPolicies.Names]);
        var adaptiveK = new Option<string>("--adaptive-k")
        {
            Description = "Keep learning the cache's similarity→K table from the CLIP scores of the images its hits make " +
                          "(a bandit per similarity bucket; a few hits try a larger K, a few would-be hits run from noise as " +
                          "controls); the learned state is kept in {data-dir}/cache-index/adaptive-k.json and shown on the dashboard",
            DefaultValueFactory = _ => "off",
            HelpName = "on|off",
        };
        adaptiveK.AcceptOnlyFromAmong("on", "off");
        var cacheTable = new Option<string?>("--cache-table")
        {
            Description = "The cache's similarity→K table (k-table.json, as `calibrate cache --table` writes it) instead of the shipped one, " +
                          "which is calibrated for the shipped models: a model you bring needs its own",
            HelpName = "file",
        };
        var defaults = new ServerOptions();
        var command = new Command(Name, "Serve the OpenAI-compatible image API, job events, gallery store and metrics.")
        {
            urls, models, threads, provider, noCache, cacheSize, redis, poolDefences, policy, adaptiveK, cacheTable,
            Setting<string>("--data-dir", nameof(ServerOptions.DataDirectory),
                $"Directory for runtime data (gallery images) [default: {defaults.DataDirectory}]"),
            Setting<string>("--shared-images-dir", nameof(ServerOptions.SharedImagesDirectory),
                "A directory of gallery images shared with other instances (a network file system or a mounted object store); " +
                "each instance then answers the others' image ids and lists their images [default: {data-dir}/images, this instance's own]"),
            Setting<int>("--max-n", nameof(ServerOptions.MaxImagesPerRequest),
                $"Most images per request (n) [default: {defaults.MaxImagesPerRequest}]"),
            Setting<int>("--max-prompt-length", nameof(ServerOptions.MaxPromptLength),
                $"Longest prompt in characters [default: {defaults.MaxPromptLength}]"),
            Setting<int>("--default-steps", nameof(ServerOptions.DefaultSteps),
                $"Denoising steps when a request names none [default: {defaults.DefaultSteps}]"),
            Setting<double>("--output-reuse", nameof(ServerOptions.DefaultOutputReuse),
                "Within-request reuse for requests without output_reuse: the denoiser's last output is reused while its input " +
                "changed less than this (accumulated relative L1); 0.2 is calibrated (docs/reuse-calibration.md) [default: 0, off]"),
            Setting<int>("--max-steps", nameof(ServerOptions.MaxSteps),
                $"Most denoising steps a request may ask for [default: {defaults.MaxSteps}]"),
            Setting<int>("--max-queue", nameof(ServerOptions.MaxQueueLength),
                $"Requests and jobs that may wait; more get 429 [default: {defaults.MaxQueueLength}]"),
            Setting<int>("--workers", nameof(ServerOptions.Workers),
                $"Generations run at the same time [default: {defaults.Workers}]"),
            Setting<int>("--retain-images", nameof(ServerOptions.ImageRetentionCount),
                $"Gallery images kept; the oldest are deleted beyond this [default: {defaults.ImageRetentionCount}]"),
            Setting<int>("--job-retention", nameof(ServerOptions.JobRetentionSeconds),
                $"Seconds a finished job stays readable [default: {defaults.JobRetentionSeconds}]"),
            Setting<string>("--api-keys", nameof(ServerOptions.ApiKeysFile),
                $"Keys file with hashed API keys, written by `keys add` [default: {{data-dir}}/{ApiKeyFile.DefaultName} when it exists]. " +
                $"Keys in clear may also come from the environment variable {ApiKeysVariable} ({ApiKeyText.Format}). " +
                "With no keys the API is open, and only loopback addresses are allowed"),
            Setting<int>("--rate-limit", nameof(ServerOptions.RateLimitPerMinute),
                $"Generation requests per minute and tenant, 0 = no limit [default: {defaults.RateLimitPerMinute}]"),
            Setting<int>("--shared-pool-corroboration", nameof(ServerOptions.SharedPoolCorroboration),
                "Tenants besides the requester that must have sent the same prompt before their cache entry serves it " +
                $"[default: {defaults.SharedPoolCorroboration}]"),
            Setting<double>("--max-queue-wait", nameof(ServerOptions.MaxQueueWaitSeconds),
                "Refuse new work (429) when it would wait longer than this many seconds, so accepted work stays fast " +
                "under overload; 0 = only --max-queue limits [default: 0]"),
        };

        command.SetAction((parseResult, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>();
            foreach (var (option, key) in settings)
            {
                if (parseResult.GetResult(option) is { Implicit: false } given)
                    overrides[key] = Convert.ToString(given.GetValueOrDefault<object?>(), CultureInfo.InvariantCulture);
            }
            if (parseResult.GetValue(poolDefences) is { } defences)
                overrides[$"{ServerOptions.SectionName}:{nameof(ServerOptions.SharedPoolDefences)}"] = defences == "on" ? "true" : "false";
            KTableSet? kTables = null;
            if (parseResult.GetValue(cacheTable) is { } tablePath)
            {
                try
                {
                    kTables = KTableSet.Load(tablePath);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
                {
                    parseResult.InvocationConfiguration.Error.WriteLine($"serve: --cache-table: {e.Message}");
                    return Task.FromResult(2);
                }
            }
            var modelOptions = new ModelHostingOptions(parseResult.GetValue(models)!, parseResult.GetValue(threads),
                parseResult.GetValue(provider) == "cuda" ? ExecutionProviderKind.Cuda : ExecutionProviderKind.Cpu,
                Cache: !parseResult.GetValue(noCache), CacheSize: parseResult.GetValue(cacheSize)!, Redis: parseResult.GetValue(redis),
                Policy: SchedulingPolicies.Parse(parseResult.GetValue(policy)!), AdaptiveK: parseResult.GetValue(adaptiveK) == "on",
                KTables: kTables);
            return RunAsync(parseResult.GetValue(urls), overrides, modelOptions, parseResult.InvocationConfiguration.Error, cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// Builds the web application: configuration, services, generator, middleware, endpoints.
    /// <paramref name="configureServices"/> runs after the product's registrations, so an end-to-end
    /// test can wrap one of them (as ASP.NET Core's ConfigureTestServices does).
    /// </summary>
    public static WebApplication Build(string? urls, IReadOnlyDictionary<string, string?> overrides, ModelHostingOptions models,
        Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        // Quiet defaults (one line per request is too much at Information); appsettings/env may override.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning" },
        });
        if (Environment.GetEnvironmentVariable(ApiKeysVariable) is { Length: > 0 } keys)
            builder.Configuration.AddInMemoryCollection([new($"{ServerOptions.SectionName}:{nameof(ServerOptions.ApiKeys)}", keys)]);
        builder.Configuration.AddInMemoryCollection(overrides);
        if (urls is not null || string.IsNullOrEmpty(builder.Configuration["urls"]))
            builder.WebHost.UseUrls((urls ?? DefaultUrls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        builder.Services.AddDiffusionServer(builder.Configuration);
        builder.Services.AddModelHosting(models);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseDiffusionServer();
        app.MapDiffusionApi();
        return app;
    }

    private static async Task<int> RunAsync(string? urls, IReadOnlyDictionary<string, string?> overrides,
        ModelHostingOptions models, TextWriter error, CancellationToken cancellationToken)
    {
        await using var app = Build(urls, overrides, models);
        try
        {
            // Checked before start so a bad setting is one clear message, not a host failure log.
            _ = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value;
            var listen = (urls ?? app.Configuration["urls"] ?? DefaultUrls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (ExposureCheck.Problem(listen, app.Services.GetRequiredService<ApiKeyRing>()) is { } exposed)
            {
                await error.WriteLineAsync($"serve: refusing to start: {exposed}");
                return 2;
            }
            // Loads the models now, so a missing or broken folder is one clear message at start-up.
            _ = app.Services.GetRequiredService<IImageGenerator>();
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                       or InvalidOperationException or ArgumentException or IOException or UnauthorizedAccessException
                                       or DllNotFoundException)
        {
            await error.WriteLineAsync($"serve: cannot load the models: {ex.Message}");
            return 2;
        }
        catch (OptionsValidationException ex)
        {
            await error.WriteLineAsync("serve: invalid settings:");
            foreach (var failure in ex.Failures) await error.WriteLineAsync($"  {failure}");
            return 2;
        }

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            // Kestrel reports an address in use or not bindable this way.
            await error.WriteLineAsync($"serve: cannot listen: {ex.Message}");
            return 3;
        }

        // Returns when the token fires (Ctrl+C, SIGTERM) or the host is asked to stop; stops the host.
        await app.WaitForShutdownAsync(cancellationToken);
        // The cache opens while the host already listens; one that cannot open stops the host, and is this command's error.
        if (app.Services.GetService<CacheReadiness>()?.Problem is { } problem)
        {
            await error.WriteLineAsync($"serve: cannot open the cache: {problem}");
            return 2;
        }
        return 0;
    }
}
