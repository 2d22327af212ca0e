namespace Diffusion.Inference.Scheduling;

/// <summary>What every sampler run shares: the schedule, step bookkeeping and argument checks.</summary>
public abstract class SchedulerBase : IDiffusionScheduler
{
    private float[] _timesteps = [];
    private float[]? _resumeNoise;
    private float _resumeStrength;

    protected SchedulerBase(NoiseSchedule schedule)
    {
        Schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
    }

    public abstract SchedulerKind Kind { get; }

    public NoiseSchedule Schedule { get; }

    protected SchedulerConfig Config => Schedule.Config;

    public int NumInferenceSteps => _timesteps.Length;

    public IReadOnlyList<float> Timesteps => _timesteps;

    public virtual float InitNoiseSigma => 1f;

    public int BeginIndex { get; private set; }

    public void SetTimesteps(int numInferenceSteps)
    {
        if (numInferenceSteps < 1 || numInferenceSteps > Schedule.NumTrainTimesteps)
        {
            throw new ArgumentOutOfRangeException(nameof(numInferenceSteps), numInferenceSteps,
                $"steps must be between 1 and {Schedule.NumTrainTimesteps}.");
        }
        var timesteps = ComputeTimesteps(numInferenceSteps);
        TimestepGrid.CheckRange(timesteps, Schedule.NumTrainTimesteps, numInferenceSteps);
        _timesteps = timesteps.Select(t => (float)t).ToArray();
        BeginIndex = 0;
        _resumeNoise = null;
        OnTimestepsSet(timesteps);
    }

    public void SetBeginIndex(int beginIndex)
    {
        RequireTimesteps();
        if (beginIndex < 0 || beginIndex >= _timesteps.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(beginIndex), beginIndex,
                $"begin index must be in [0, {_timesteps.Length - 1}] for a {_timesteps.Length}-step schedule.");
        }
        BeginIndex = beginIndex;
        OnBeginIndexSet();
    }

    public virtual void ScaleModelInput(ReadOnlySpan<float> sample, int stepIndex, Span<float> destination)
    {
        CheckStep(stepIndex);
        CheckLengths(sample.Length, destination.Length);
        sample.CopyTo(destination);
    }

    public void SetResumeNoise(float[] noise, float strength)
    {
        ArgumentNullException.ThrowIfNull(noise);
        if (!float.IsFinite(strength) || strength < 0f || strength > 1f)
        {
            throw new ArgumentOutOfRangeException(nameof(strength), strength, "resume noise strength must be in [0, 1].");
        }
        _resumeNoise = strength > 0f ? noise : null;
        _resumeStrength = strength;
    }

    public void Step(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample)
    {
        CheckStep(stepIndex);
        CheckLengths(sample.Length, modelOutput.Length);
        CheckLengths(sample.Length, prevSample.Length);
        if (_resumeNoise is { } noise && stepIndex == BeginIndex && stepIndex + 1 < _timesteps.Length)
        {
            CheckLengths(sample.Length, noise.Length);
            _resumeNoise = null;
            StepWithFreshNoise(modelOutput, stepIndex, sample, prevSample, noise);
            return;
        }
        StepCore(modelOutput, stepIndex, sample, prevSample);
    }

    // The plain step still runs (a multistep sampler keeps its history); its result is then replaced by the
    // clean estimate noised to the next step's level with the mixed noise.
    private void StepWithFreshNoise(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample,
        float[] fresh)
    {
        var original = new float[sample.Length];
        var noise = new float[sample.Length];
        PredictOriginalAndNoise(modelOutput, stepIndex, sample, original, noise);
        StepCore(modelOutput, stepIndex, sample, prevSample);
        var keep = MathF.Sqrt(1f - _resumeStrength * _resumeStrength);
        for (var i = 0; i < noise.Length; i++)
        {
            noise[i] = keep * noise[i] + _resumeStrength * fresh[i];
        }
        AddNoise(original, noise, _timesteps[stepIndex + 1], prevSample);
    }

    /// <summary>
    /// The clean latent the model output predicts at <paramref name="stepIndex"/>, and the noise that,
    /// added by <see cref="AddNoise"/> at that step's timestep, gives <paramref name="sample"/> back.
    /// </summary>
    protected abstract void PredictOriginalAndNoise(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample,
        Span<float> original, Span<float> noise);

    public abstract void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination);

    protected abstract double[] ComputeTimesteps(int numInferenceSteps);

    protected virtual void OnTimestepsSet(double[] timesteps)
    {
    }

    protected virtual void OnBeginIndexSet()
    {
    }

    protected abstract void StepCore(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample);

    protected TimestepSpacing SpacingOr(TimestepSpacing samplerDefault) => Config.TimestepSpacing ?? samplerDefault;

    protected void CheckStep(int stepIndex)
    {
        RequireTimesteps();
        if (stepIndex < BeginIndex || stepIndex >= _timesteps.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(stepIndex), stepIndex,
                $"step index must be in [{BeginIndex}, {_timesteps.Length - 1}].");
        }
    }

    protected static void CheckLengths(int expected, int actual)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"latent spans differ in length ({expected} vs {actual}).");
        }
    }

    private void RequireTimesteps()
    {
        if (_timesteps.Length == 0)
        {
            throw new InvalidOperationException("Call SetTimesteps before stepping.");
        }
    }
}
