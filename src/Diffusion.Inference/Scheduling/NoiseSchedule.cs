namespace Diffusion.Inference.Scheduling;

/// <summary>
/// The training noise schedule shared by every run on one model: betas, cumulative alphas and the
/// matching sigmas. Computed as torch does on the CPU (float32 betas from a linspace filled from both
/// ends, cumprod accumulated in double and stored as float32) so it matches diffusers for the same config.
/// </summary>
public sealed class NoiseSchedule
{
    public NoiseSchedule(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var n = config.NumTrainTimesteps;
        var betas = config.BetaSchedule switch
        {
            BetaSchedule.Linear => TorchLinspace((float)config.BetaStart, (float)config.BetaEnd, n),
            BetaSchedule.ScaledLinear => Square(TorchLinspace((float)Math.Sqrt(config.BetaStart), (float)Math.Sqrt(config.BetaEnd), n)),
            BetaSchedule.SquaredCosCapV2 => CosineBetas(n),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.BetaSchedule, "unknown beta schedule"),
        };
        AlphasCumprod = new float[n];
        TrainSigmas = new float[n];
        var product = 1.0;
        for (var i = 0; i < n; i++)
        {
            product *= 1f - betas[i];
            var alpha = (float)product;
            AlphasCumprod[i] = alpha;
            TrainSigmas[i] = MathF.Sqrt((1f - alpha) / alpha);
        }
    }

    public SchedulerConfig Config { get; }

    public int NumTrainTimesteps => Config.NumTrainTimesteps;

    /// <summary>ᾱ_t for t = 0 .. N-1.</summary>
    public float[] AlphasCumprod { get; }

    /// <summary>σ_t = sqrt((1-ᾱ_t)/ᾱ_t), the noise level in the Euler (variance-exploding) view.</summary>
    public float[] TrainSigmas { get; }

    /// <summary>σ at a possibly fractional timestep, linearly interpolated like numpy.interp.</summary>
    public double SigmaAt(double timestep)
    {
        if (timestep <= 0)
        {
            return TrainSigmas[0];
        }
        var last = TrainSigmas.Length - 1;
        if (timestep >= last)
        {
            return TrainSigmas[last];
        }
        var j = (int)Math.Floor(timestep);
        if (j == timestep)
        {
            return TrainSigmas[j];
        }
        var slope = (double)TrainSigmas[j + 1] - TrainSigmas[j];
        return slope * (timestep - j) + TrainSigmas[j];
    }

    /// <summary>torch.linspace(start, end, n) in float32: filled from both ends with a float step.</summary>
    private static float[] TorchLinspace(float start, float end, int n)
    {
        var result = new float[n];
        var step = (end - start) / (n - 1);
        var half = n / 2;
        for (var i = 0; i < n; i++)
        {
            result[i] = i < half ? start + step * i : end - step * (n - i - 1);
        }
        return result;
    }

    private static float[] Square(float[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] *= values[i];
        }
        return values;
    }

    private static float[] CosineBetas(int n)
    {
        static double AlphaBar(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);
        var betas = new float[n];
        for (var i = 0; i < n; i++)
        {
            betas[i] = (float)Math.Min(1 - AlphaBar((i + 1.0) / n) / AlphaBar((double)i / n), 0.999);
        }
        return betas;
    }
}
