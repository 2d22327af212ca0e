using Diffusion.Inference.Pipeline;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Options;

/// <summary>Start-up checks of <see cref="ServerOptions"/>; every message names the setting and the allowed range.</summary>
public sealed class ServerOptionsValidator : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        var failures = new List<string>();
        void Range(string setting, long value, long min, long max)
        {
            if (value < min || value > max)
                failures.Add($"Server:{setting} must be between {min} and {max}; it is {value}.");
        }

        if (options.SharedImagesDirectory is { } shared && (shared.Trim().Length == 0 || shared.IndexOfAny(Path.GetInvalidPathChars()) >= 0))
            failures.Add($"Server:SharedImagesDirectory '{shared}' must name a directory.");
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
            failures.Add("Server:DataDirectory must name a directory; it is empty.");
        else if (options.DataDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            failures.Add($"Server:DataDirectory '{options.DataDirectory}' contains characters not allowed in a path.");

        Range(nameof(options.MaxImagesPerRequest), options.MaxImagesPerRequest, 1, 64);
        Range(nameof(options.MaxPromptLength), options.MaxPromptLength, 1, 100_000);
        Range(nameof(options.MaxSteps), options.MaxSteps, 1, 10_000);
        Range(nameof(options.DefaultSteps), options.DefaultSteps, 1, 10_000);
        if (options.MaxSteps >= 1 && options.DefaultSteps > options.MaxSteps)
            failures.Add($"Server:DefaultSteps ({options.DefaultSteps}) must not exceed Server:MaxSteps ({options.MaxSteps}).");
        Range(nameof(options.MaxQueueLength), options.MaxQueueLength, 1, 100_000);
        Range(nameof(options.Workers), options.Workers, 1, 64);
        Range(nameof(options.ImageRetentionCount), options.ImageRetentionCount, 1, 10_000_000);
        Range(nameof(options.JobRetentionSeconds), options.JobRetentionSeconds, 1, 7 * 24 * 3600);
        Range(nameof(options.IdempotencyRetentionSeconds), options.IdempotencyRetentionSeconds, 1, 7 * 24 * 3600);

        Range(nameof(options.RateLimitPerMinute), options.RateLimitPerMinute, 0, 1_000_000);
        Range(nameof(options.SharedPoolCorroboration), options.SharedPoolCorroboration, 1, 1000);
        if (!double.IsFinite(options.TenantQueueShare) || options.TenantQueueShare is <= 0 or > 1)
            failures.Add($"Server:TenantQueueShare must be in (0, 1]; it is {options.TenantQueueShare}.");
        if (!double.IsFinite(options.MaxQueueWaitSeconds) || options.MaxQueueWaitSeconds is < 0 or > 86_400)
            failures.Add($"Server:MaxQueueWaitSeconds must be between 0 (off) and 86400; it is {options.MaxQueueWaitSeconds}.");
        try
        {
            _ = new Identity.ApiKeyRing(Microsoft.Extensions.Options.Options.Create(options));
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            failures.Add($"Server:ApiKeys / Server:ApiKeysFile: {ex.Message}");
        }

        if (!double.IsFinite(options.DefaultOutputReuse) || options.DefaultOutputReuse < 0 || options.DefaultOutputReuse > StepOutputReuse.MaxThreshold)
            failures.Add($"Server:DefaultOutputReuse must be between 0 (off) and {StepOutputReuse.MaxThreshold}; it is {options.DefaultOutputReuse}.");
        if (!double.IsFinite(options.MaxGuidanceScale) || options.MaxGuidanceScale is < 0 or > 100)
            failures.Add($"Server:MaxGuidanceScale must be between 0 and 100; it is {options.MaxGuidanceScale}.");
        else if (options.DefaultGuidanceScale is { } g && (!double.IsFinite(g) || g < 0 || g > options.MaxGuidanceScale))
            failures.Add($"Server:DefaultGuidanceScale must be between 0 and Server:MaxGuidanceScale ({options.MaxGuidanceScale}); it is {options.DefaultGuidanceScale}.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
