using System.Globalization;
using Diffusion.Engine.Scheduling;
using Diffusion.Inference.Pipeline;
using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Generation;
using Diffusion.Server.Options;
using Diffusion.Server.Running;

namespace Diffusion.Server.Api.Requests;

/// <summary>
/// Range and vocabulary checks of a decoded request against the server's options and the served
/// model; fills in defaults (a random seed when none is given). Every error names the parameter,
/// what was sent and what is allowed.
/// </summary>
public static class GenerationRequestValidator
{
    /// <summary>Largest seed: 2^53−1, the largest integer every JSON client represents exactly.</summary>
    public const long MaxSeed = (1L << 53) - 1;
    public const int MaxUserLength = 256;

    /// <summary>The longest deadline_ms accepted: an hour; longer is batch work.</summary>
    public const long MaxDeadlineMs = 3_600_000;

    private static readonly string[] Formats = ["b64_json", "url"];
    private static readonly string[] CacheModes = ["auto", "off", "refresh"];

    /// <param name="defaultSlo">The class of a request that names neither <c>slo</c> nor <c>deadline_ms</c> (its tenant's).</param>
    public static Checked<GenerationPlan> Validate(ImageGenerationRequest request, ServerOptions options, ModelDescription model,
        SloClass defaultSlo = SloClass.Interactive)
    {
        if (request.Prompt is null)
            return ApiError.Invalid("prompt is required: the text describing the image", "prompt", ErrorCodes.MissingParameter);
        var prompt = request.Prompt.Trim();
        if (prompt.Length == 0)
            return ApiError.Invalid("prompt must not be empty or only white space", "prompt");
        if (request.Prompt.Length > options.MaxPromptLength)
            return TooLong("prompt", request.Prompt.Length, options.MaxPromptLength);
        if (prompt.Contains('\0'))
            return ApiError.Invalid("prompt must not contain NUL characters", "prompt");

        var negative = request.NegativePrompt?.Trim();
        if (request.NegativePrompt is { Length: var negativeLength } && negativeLength > options.MaxPromptLength)
            return TooLong("negative_prompt", negativeLength, options.MaxPromptLength);
        if (negative is not null && negative.Contains('\0'))
            return ApiError.Invalid("negative_prompt must not contain NUL characters", "negative_prompt");

        var n = request.N ?? 1;
        if (n < 1 || n > options.MaxImagesPerRequest)
            return ApiError.Invalid($"n must be between 1 and {options.MaxImagesPerRequest}; it is {n}", "n");

        var size = model.DefaultSize;
        if (request.Size is not null && (!ImageSize.TryParse(request.Size, out size) || !model.Sizes.Contains(size)))
            return ApiError.Invalid(
                $"size '{Clip(request.Size)}' is not supported; supported sizes: {string.Join(", ", model.Sizes)}", "size");

        var format = ResponseFormat.B64Json;
        switch (request.ResponseFormat)
        {
            case null or "b64_json": break;
            case "url": format = ResponseFormat.Url; break;
            default:
                return ApiError.Invalid(
                    $"response_format '{Clip(request.ResponseFormat)}' is not supported; use one of: {string.Join(", ", Formats)}",
                    "response_format");
        }

        if (request.User is { Length: > MaxUserLength })
            return ApiError.Invalid($"user is {request.User.Length} characters long; at most {MaxUserLength} are allowed", "user");

        if (request.Model is not null && request.Model != model.Id)
            return ApiError.Invalid($"model '{Clip(request.Model)}' is not served here; available: {model.Id}", "model",
                ErrorCodes.ModelNotFound);

        var seed = request.Seed ?? Random.Shared.NextInt64(0, 1L << 32);
        if (seed < 0 || seed > MaxSeed - (n - 1))
            return ApiError.Invalid($"seed must be between 0 and {MaxSeed - (n - 1)}; it is {seed}", "seed");

        var maxSteps = Math.Min(options.MaxSteps, model.MaxSteps);
        var steps = request.Steps ?? Math.Min(options.DefaultSteps, maxSteps);
        if (steps < 1 || steps > maxSteps)
            return ApiError.Invalid($"steps must be between 1 and {maxSteps}; it is {steps}", "steps");

        var guidance = request.GuidanceScale ?? options.DefaultGuidanceScale ?? model.DefaultGuidanceScale;
        if (guidance < 0 || guidance > options.MaxGuidanceScale)
            return ApiError.Invalid(
                $"guidance_scale must be between 0 and {options.MaxGuidanceScale.ToString(CultureInfo.InvariantCulture)}; " +
                $"it is {guidance.ToString(CultureInfo.InvariantCulture)}", "guidance_scale");

        var scheduler = model.DefaultScheduler;
        if (request.Scheduler is not null)
        {
            scheduler = model.Schedulers.FirstOrDefault(s => s.Equals(request.Scheduler, StringComparison.OrdinalIgnoreCase))!;
            if (scheduler is null)
                return ApiError.Invalid(
                    $"scheduler '{Clip(request.Scheduler)}' is not supported; use one of: {string.Join(", ", model.Schedulers)}",
                    "scheduler");
        }

        var cache = CacheMode.Auto;
        switch (request.Cache)
        {
            case null or "auto": break;
            case "off": cache = CacheMode.Off; break;
            case "refresh": cache = CacheMode.Refresh; break;
            default:
                return ApiError.Invalid(
                    $"cache '{Clip(request.Cache)}' is not supported; use one of: {string.Join(", ", CacheModes)}", "cache");
        }

        // a request that names no class gets its tenant's, unless an explicit deadline makes it interactive
        var slo = request.DeadlineMs is null ? defaultSlo : SloClass.Interactive;
        if (request.Slo is not null && !ServiceLevel.TryParseClass(request.Slo, out slo))
            return ApiError.Invalid($"slo '{Clip(request.Slo)}' is not supported; use interactive or batch", "slo");

        if (request.DeadlineMs is { } deadlineMs)
        {
            if (slo == SloClass.Batch)
                return ApiError.Invalid("deadline_ms applies to interactive requests; batch work has no deadline", "deadline_ms");
            if (deadlineMs < 1 || deadlineMs > MaxDeadlineMs)
                return ApiError.Invalid($"deadline_ms must be between 1 and {MaxDeadlineMs}; it is {deadlineMs}", "deadline_ms");
        }

        var outputReuse = request.OutputReuse ?? options.DefaultOutputReuse;
        if (!double.IsFinite(outputReuse) || outputReuse < 0 || outputReuse > StepOutputReuse.MaxThreshold)
            return ApiError.Invalid(
                $"output_reuse must be between 0 (off) and {StepOutputReuse.MaxThreshold.ToString(CultureInfo.InvariantCulture)}; " +
                $"it is {outputReuse.ToString(CultureInfo.InvariantCulture)} (0.2 is the calibrated threshold, docs/reuse-calibration.md)", "output_reuse");

        var spec = new ImageGenerationSpec(
            Prompt: prompt,
            NegativePrompt: string.IsNullOrEmpty(negative) ? null : negative,
            Width: size.Width,
            Height: size.Height,
            Steps: (int)steps,
            GuidanceScale: guidance,
            Seed: seed,
            Scheduler: scheduler,
            Cache: cache,
            ExpandPrompt: request.ExpandPrompt ?? false,
            User: request.User)
        {
            Slo = slo,
            Deadline = request.DeadlineMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            OutputReuse = (float)outputReuse,
        };
        return Checked<GenerationPlan>.Ok(new GenerationPlan(spec, (int)n, format, model.Id));
    }

    private static ApiError TooLong(string param, int length, int max) =>
        ApiError.Invalid($"{param} is {length} characters long; at most {max} are allowed", param);

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
