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
}
