using System.Text.Json;

namespace Diffusion.Inference.Scheduling;

public enum BetaSchedule { Linear, ScaledLinear, SquaredCosCapV2 }

public enum PredictionType { Epsilon, VPrediction, Sample }

public enum TimestepSpacing { Leading, Trailing, Linspace }

/// <summary>
/// The fields of diffusers' <c>scheduler_config.json</c> that define the noise schedule. Any
/// diffusers scheduler's config is accepted (SD 1.5 ships a PNDMScheduler one); its betas and
/// conventions are used by whichever sampler a request names.
/// </summary>
public sealed record SchedulerConfig
{
    public int NumTrainTimesteps { get; init; } = 1000;
    public double BetaStart { get; init; } = 0.0001;
    public double BetaEnd { get; init; } = 0.02;
    public BetaSchedule BetaSchedule { get; init; } = BetaSchedule.Linear;
    public PredictionType PredictionType { get; init; } = PredictionType.Epsilon;

    /// <summary>Null means each sampler's diffusers default (DDIM leading, Euler and DPM++ linspace).</summary>
    public TimestepSpacing? TimestepSpacing { get; init; }

    public int StepsOffset { get; init; }
    public bool SetAlphaToOne { get; init; } = true;
    public bool ClipSample { get; init; }
    public double ClipSampleRange { get; init; } = 1.0;

    /// <summary>The class named in the file (e.g. PNDMScheduler); informational.</summary>
    public string? ClassName { get; init; }

    public void Validate()
    {
        if (NumTrainTimesteps < 2)
        {
            throw new InvalidDataException($"num_train_timesteps must be at least 2, got {NumTrainTimesteps}.");
        }
        if (BetaSchedule != BetaSchedule.SquaredCosCapV2 && !(BetaStart > 0 && BetaEnd > BetaStart && BetaEnd < 1))
        {
            throw new InvalidDataException($"beta_start/beta_end must satisfy 0 < start < end < 1, got {BetaStart}/{BetaEnd}.");
        }
        if (StepsOffset < 0 || StepsOffset >= NumTrainTimesteps)
        {
            throw new InvalidDataException($"steps_offset {StepsOffset} is outside [0, {NumTrainTimesteps}).");
        }
        if (ClipSampleRange <= 0)
        {
            throw new InvalidDataException("clip_sample_range must be positive.");
        }
    }

    public static SchedulerConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Scheduler config not found: {path}", path);
        }
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    public static SchedulerConfig Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.TryGetProperty("trained_betas", out var trained) && trained.ValueKind == JsonValueKind.Array)
        {
            throw new InvalidDataException("trained_betas are not supported; give beta_start/beta_end/beta_schedule.");
        }
        foreach (var flag in new[] { "rescale_betas_zero_snr", "thresholding", "use_karras_sigmas" })
        {
            if (Bool(root, flag) == true)
            {
                throw new InvalidDataException($"{flag}: true is not supported by these samplers.");
            }
        }
        var config = new SchedulerConfig
        {
            NumTrainTimesteps = Int(root, "num_train_timesteps") ?? 1000,
            BetaStart = Double(root, "beta_start") ?? 0.0001,
            BetaEnd = Double(root, "beta_end") ?? 0.02,
            BetaSchedule = Str(root, "beta_schedule") switch
            {
                null or "linear" => BetaSchedule.Linear,
                "scaled_linear" => BetaSchedule.ScaledLinear,
                "squaredcos_cap_v2" => BetaSchedule.SquaredCosCapV2,
                var other => throw new InvalidDataException($"beta_schedule '{other}' is not supported (linear, scaled_linear, squaredcos_cap_v2)."),
            },
            PredictionType = Str(root, "prediction_type") switch
            {
                null or "epsilon" => PredictionType.Epsilon,
                "v_prediction" => PredictionType.VPrediction,
                "sample" => PredictionType.Sample,
                var other => throw new InvalidDataException($"prediction_type '{other}' is not supported (epsilon, v_prediction, sample)."),
            },
            TimestepSpacing = Str(root, "timestep_spacing") switch
            {
                null => null,
                "leading" => Scheduling.TimestepSpacing.Leading,
                "trailing" => Scheduling.TimestepSpacing.Trailing,
                "linspace" => Scheduling.TimestepSpacing.Linspace,
                var other => throw new InvalidDataException($"timestep_spacing '{other}' is not supported (leading, trailing, linspace)."),
            },
            StepsOffset = Int(root, "steps_offset") ?? 0,
            SetAlphaToOne = Bool(root, "set_alpha_to_one") ?? true,
            ClipSample = Bool(root, "clip_sample") ?? false,
            ClipSampleRange = Double(root, "clip_sample_range") ?? 1.0,
            ClassName = Str(root, "_class_name"),
        };
        config.Validate();
        return config;
    }

    private static bool Has(JsonElement root, string name, out JsonElement value) =>
        root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static int? Int(JsonElement root, string name) => Has(root, name, out var v) ? v.GetInt32() : null;

    private static double? Double(JsonElement root, string name) => Has(root, name, out var v) ? v.GetDouble() : null;

    private static string? Str(JsonElement root, string name) => Has(root, name, out var v) ? v.GetString() : null;

    private static bool? Bool(JsonElement root, string name) => Has(root, name, out var v) ? v.GetBoolean() : null;
}
