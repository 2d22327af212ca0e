namespace Diffusion.Inference.Scheduling;

/// <summary>
/// DPM-Solver++ (2M), as diffusers' DPMSolverMultistepScheduler with algorithm_type dpmsolver++,
/// solver_order 2, midpoint solver, lower_order_final and a final σ of 0 (so the last step is first
/// order). It keeps the previous step's x0 estimate: a run resumed at step K starts first order,
/// so it is close to, but not bit-equal with, the tail of a full run. Steps must run in order.
/// Latent convention: variance preserving, like DDIM.
/// </summary>
public sealed class DpmSolverMultistepScheduler : SchedulerBase
{
    private float[] _sigmas = [];
    private float[] _previousX0 = [];
    private int _lowerOrderNums;
    private int _nextStep;

    public DpmSolverMultistepScheduler(NoiseSchedule schedule) : base(schedule)
    {
    }

    public override SchedulerKind Kind => SchedulerKind.DpmSolverPlusPlus2M;

    protected override double[] ComputeTimesteps(int n)
    {
        var trainSteps = Schedule.NumTrainTimesteps;
        return SpacingOr(TimestepSpacing.Linspace) switch
        {
            TimestepSpacing.Linspace => TimestepGrid.Reverse(TimestepGrid.Round(TimestepGrid.Linspace(0, trainSteps - 1, n + 1)))[..n],
            TimestepSpacing.Leading => TimestepGrid.Leading(trainSteps / (n + 1), n + 1, Config.StepsOffset)[..n],
            TimestepSpacing.Trailing => TimestepGrid.Trailing(trainSteps, n),
            var other => throw new ArgumentOutOfRangeException(nameof(n), other, "unknown timestep spacing"),
        };
    }

    protected override void OnTimestepsSet(double[] timesteps)
    {
        _sigmas = new float[timesteps.Length + 1];
        for (var i = 0; i < timesteps.Length; i++)
        {
            _sigmas[i] = (float)Schedule.SigmaAt(timesteps[i]);
        }
        ResetHistory();
    }

    protected override void OnBeginIndexSet() => ResetHistory();

    private void ResetHistory()
    {
        _lowerOrderNums = 0;
        _nextStep = BeginIndex;
    }

    private static (float Alpha, float Sigma) AlphaSigma(float sigma)
    {
        var alpha = 1f / MathF.Sqrt(sigma * sigma + 1f);
        return (alpha, sigma * alpha);
    }

    protected override void StepCore(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample)
    {
        if (stepIndex != _nextStep)
        {
            throw new InvalidOperationException($"DPM-Solver++ steps run in order: expected step {_nextStep}, got {stepIndex}.");
        }
        if (_previousX0.Length != sample.Length)
        {
            _previousX0 = new float[sample.Length];
            _lowerOrderNums = 0;
        }

        var (alphaS0, sigmaS0) = AlphaSigma(_sigmas[stepIndex]);
        var (alphaT, sigmaT) = AlphaSigma(_sigmas[stepIndex + 1]);
        var lambdaT = MathF.Log(alphaT) - MathF.Log(sigmaT);
        var lambdaS0 = MathF.Log(alphaS0) - MathF.Log(sigmaS0);
        var h = lambdaT - lambdaS0;
        var ratio = sigmaT / sigmaS0;
        var expTerm = MathF.Exp(-h) - 1f;
        var isLast = stepIndex == NumInferenceSteps - 1;
        var secondOrder = _lowerOrderNums >= 1 && !isLast;
        var prediction = Config.PredictionType;

        var invR0 = 0f;
        if (secondOrder)
        {
            var (alphaS1, sigmaS1) = AlphaSigma(_sigmas[stepIndex - 1]);
            var lambdaS1 = MathF.Log(alphaS1) - MathF.Log(sigmaS1);
            invR0 = 1f / ((lambdaS0 - lambdaS1) / h);
        }

        for (var i = 0; i < sample.Length; i++)
        {
            var x = sample[i];
            var m = modelOutput[i];
            var x0 = prediction switch
            {
                PredictionType.Epsilon => (x - sigmaS0 * m) / alphaS0,
                PredictionType.Sample => m,
                PredictionType.VPrediction => alphaS0 * x - sigmaS0 * m,
                _ => throw new InvalidOperationException($"unsupported prediction type {prediction}"),
            };
            float next;
            if (secondOrder)
            {
                var d1 = invR0 * (x0 - _previousX0[i]);
                next = ratio * x - alphaT * expTerm * x0 - 0.5f * alphaT * expTerm * d1;
            }
            else
            {
                next = ratio * x - alphaT * expTerm * x0;
            }
            _previousX0[i] = x0;
            prevSample[i] = next;
        }

        if (_lowerOrderNums < 2)
        {
            _lowerOrderNums++;
        }
        _nextStep = stepIndex + 1;
    }

    protected override void PredictOriginalAndNoise(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample,
        Span<float> original, Span<float> noise) =>
        VariancePreservingNoise.Decompose(Schedule, Config.PredictionType, modelOutput, Timesteps[stepIndex], sample, original, noise);

    public override void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination)
    {
        VariancePreservingNoise.Add(Schedule, original, noise, timestep, destination);
    }
}
