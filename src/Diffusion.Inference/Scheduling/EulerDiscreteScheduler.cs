namespace Diffusion.Inference.Scheduling;

/// <summary>
/// Euler's method on the probability-flow ODE in σ, as diffusers' EulerDiscreteScheduler with
/// s_churn = 0. Its latent convention is x = x0 + σ·ε (not variance preserving), so the model input
/// is scaled by 1/sqrt(σ²+1) and a latent from a DDIM run is not interchangeable with an Euler one.
/// </summary>
public sealed class EulerDiscreteScheduler : SchedulerBase
{
    private float[] _sigmas = [];
    private float _initNoiseSigma = 1f;

    public EulerDiscreteScheduler(NoiseSchedule schedule) : base(schedule)
    {
    }

    public override SchedulerKind Kind => SchedulerKind.Euler;

    public override float InitNoiseSigma => _initNoiseSigma;

    /// <summary>σ of each step, plus a final 0.</summary>
    public IReadOnlyList<float> Sigmas => _sigmas;

    protected override double[] ComputeTimesteps(int n)
    {
        var trainSteps = Schedule.NumTrainTimesteps;
        var values = SpacingOr(TimestepSpacing.Linspace) switch
        {
            TimestepSpacing.Linspace => TimestepGrid.Reverse(TimestepGrid.Linspace(0, trainSteps - 1, n)),
            TimestepSpacing.Leading => TimestepGrid.Leading(trainSteps / n, n, Config.StepsOffset),
            TimestepSpacing.Trailing => TimestepGrid.Trailing(trainSteps, n),
            var other => throw new ArgumentOutOfRangeException(nameof(n), other, "unknown timestep spacing"),
        };
        // diffusers keeps these timesteps as float32
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)values[i];
        }
        return values;
    }

    protected override void OnTimestepsSet(double[] timesteps)
    {
        _sigmas = new float[timesteps.Length + 1];
        for (var i = 0; i < timesteps.Length; i++)
        {
            _sigmas[i] = (float)Schedule.SigmaAt(timesteps[i]);
        }
        var max = _sigmas.Max();
        _initNoiseSigma = SpacingOr(TimestepSpacing.Linspace) is TimestepSpacing.Linspace or TimestepSpacing.Trailing
            ? max
            : MathF.Sqrt(max * max + 1f);
    }

    public override void ScaleModelInput(ReadOnlySpan<float> sample, int stepIndex, Span<float> destination)
    {
        CheckStep(stepIndex);
        CheckLengths(sample.Length, destination.Length);
        var sigma = _sigmas[stepIndex];
        var scale = MathF.Sqrt(sigma * sigma + 1f);
        for (var i = 0; i < sample.Length; i++)
        {
            destination[i] = sample[i] / scale;
        }
    }

    protected override void StepCore(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample)
    {
        var sigma = _sigmas[stepIndex];
        var dt = _sigmas[stepIndex + 1] - sigma;
        for (var i = 0; i < sample.Length; i++)
        {
            var x = sample[i];
            var derivative = (x - Original(modelOutput[i], x, sigma)) / sigma;
            prevSample[i] = x + derivative * dt;
        }
    }

    // Euler's convention x = x0 + σ·ε.
    protected override void PredictOriginalAndNoise(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample,
        Span<float> original, Span<float> noise)
    {
        var sigma = _sigmas[stepIndex];
        for (var i = 0; i < sample.Length; i++)
        {
            var x = sample[i];
            original[i] = Original(modelOutput[i], x, sigma);
            noise[i] = (x - original[i]) / sigma;
        }
    }

    /// <summary>The clean latent a model output predicts for x at noise level σ.</summary>
    private float Original(float modelOutput, float x, float sigma) => Config.PredictionType switch
    {
        PredictionType.Epsilon => x - sigma * modelOutput,
        PredictionType.VPrediction => modelOutput * (-sigma / MathF.Sqrt(sigma * sigma + 1f)) + x / (sigma * sigma + 1f),
        PredictionType.Sample => modelOutput,
        var other => throw new InvalidOperationException($"unsupported prediction type {other}"),
    };

    public override void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination)
    {
        if (original.Length != noise.Length || original.Length != destination.Length)
        {
            throw new ArgumentException("original, noise and destination must have the same length.");
        }
        if (timestep < 0 || timestep > Schedule.NumTrainTimesteps - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(timestep), timestep, $"timestep outside [0, {Schedule.NumTrainTimesteps - 1}].");
        }
        var sigma = (float)Schedule.SigmaAt(timestep);
        for (var i = 0; i < original.Length; i++)
        {
            destination[i] = original[i] + noise[i] * sigma;
        }
    }
}
