namespace Diffusion.Inference.Scheduling;

/// <summary>x_t = sqrt(ᾱ_t)·x0 + sqrt(1-ᾱ_t)·ε: the latent convention of DDIM and DPM-Solver++.</summary>
internal static class VariancePreservingNoise
{
    public static void Add(NoiseSchedule schedule, ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination)
    {
        if (original.Length != noise.Length || original.Length != destination.Length)
        {
            throw new ArgumentException("original, noise and destination must have the same length.");
        }
        var t = (int)Math.Round(timestep);
        if (t < 0 || t >= schedule.NumTrainTimesteps)
        {
            throw new ArgumentOutOfRangeException(nameof(timestep), timestep, $"timestep outside [0, {schedule.NumTrainTimesteps - 1}].");
        }
        var alpha = schedule.AlphasCumprod[t];
        var a = MathF.Sqrt(alpha);
        var s = MathF.Sqrt(1f - alpha);
        for (var i = 0; i < original.Length; i++)
        {
            destination[i] = a * original[i] + s * noise[i];
        }
    }

    /// <summary>x0 and ε of a latent at <paramref name="timestep"/> from the model's output.</summary>
    public static void Decompose(NoiseSchedule schedule, PredictionType prediction, ReadOnlySpan<float> modelOutput, float timestep,
        ReadOnlySpan<float> sample, Span<float> original, Span<float> noise)
    {
        var alpha = schedule.AlphasCumprod[(int)Math.Round(timestep)];
        var a = MathF.Sqrt(alpha);
        var s = MathF.Sqrt(1f - alpha);
        for (var i = 0; i < sample.Length; i++)
        {
            var x = sample[i];
            var m = modelOutput[i];
            switch (prediction)
            {
                case PredictionType.Epsilon:
                    original[i] = (x - s * m) / a;
                    noise[i] = m;
                    break;
                case PredictionType.Sample:
                    original[i] = m;
                    noise[i] = (x - a * m) / s;
                    break;
                case PredictionType.VPrediction:
                    original[i] = a * x - s * m;
                    noise[i] = a * m + s * x;
                    break;
                default:
                    throw new InvalidOperationException($"unsupported prediction type {prediction}");
            }
        }
    }
}
