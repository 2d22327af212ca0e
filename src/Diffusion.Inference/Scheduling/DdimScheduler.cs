namespace Diffusion.Inference.Scheduling;

/// <summary>
/// DDIM with η = 0 (deterministic), as diffusers' DDIMScheduler: the latent convention is
/// x_t = sqrt(ᾱ_t)·x0 + sqrt(1-ᾱ_t)·ε, and the step after the last uses ᾱ = 1 or ᾱ_0
/// (<c>set_alpha_to_one</c>).
/// </summary>
public sealed class DdimScheduler : SchedulerBase
{
    private readonly float _finalAlphaCumprod;

    public DdimScheduler(NoiseSchedule schedule) : base(schedule)
    {
        _finalAlphaCumprod = Config.SetAlphaToOne ? 1f : schedule.AlphasCumprod[0];
    }

    public override SchedulerKind Kind => SchedulerKind.Ddim;

    protected override double[] ComputeTimesteps(int n)
    {
        var trainSteps = Schedule.NumTrainTimesteps;
        return SpacingOr(TimestepSpacing.Leading) switch
        {
            TimestepSpacing.Leading => TimestepGrid.Leading(trainSteps / n, n, Config.StepsOffset),
            TimestepSpacing.Trailing => TimestepGrid.Trailing(trainSteps, n),
            TimestepSpacing.Linspace => TimestepGrid.Reverse(TimestepGrid.Round(TimestepGrid.Linspace(0, trainSteps - 1, n))),
            var other => throw new ArgumentOutOfRangeException(nameof(n), other, "unknown timestep spacing"),
        };
    }

    protected override void StepCore(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample)
    {
        var t = (int)Timesteps[stepIndex];
        var prevT = t - Schedule.NumTrainTimesteps / NumInferenceSteps;
        var alphaT = Schedule.AlphasCumprod[t];
        var alphaPrev = prevT >= 0 ? Schedule.AlphasCumprod[prevT] : _finalAlphaCumprod;
        var sqrtAlphaT = MathF.Sqrt(alphaT);
        var sqrtBetaT = MathF.Sqrt(1f - alphaT);
        var sqrtAlphaPrev = MathF.Sqrt(alphaPrev);
        var direction = MathF.Sqrt(1f - alphaPrev);
        var clip = Config.ClipSample;
        var range = (float)Config.ClipSampleRange;
        var prediction = Config.PredictionType;

        for (var i = 0; i < sample.Length; i++)
        {
            var x = sample[i];
            var m = modelOutput[i];
            float x0, eps;
            switch (prediction)
            {
                case PredictionType.Epsilon:
                    x0 = (x - sqrtBetaT * m) / sqrtAlphaT;
                    eps = m;
                    break;
                case PredictionType.Sample:
                    x0 = m;
                    eps = (x - sqrtAlphaT * x0) / sqrtBetaT;
                    break;
                case PredictionType.VPrediction:
                    x0 = sqrtAlphaT * x - sqrtBetaT * m;
                    eps = sqrtAlphaT * m + sqrtBetaT * x;
                    break;
                default:
                    throw new InvalidOperationException($"unsupported prediction type {prediction}");
            }
            if (clip)
            {
                x0 = Math.Clamp(x0, -range, range);
            }
            prevSample[i] = sqrtAlphaPrev * x0 + direction * eps;
        }
    }

    protected override void PredictOriginalAndNoise(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample,
        Span<float> original, Span<float> noise) =>
        VariancePreservingNoise.Decompose(Schedule, Config.PredictionType, modelOutput, Timesteps[stepIndex], sample, original, noise);

    public override void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination)
    {
        VariancePreservingNoise.Add(Schedule, original, noise, timestep, destination);
    }
}
