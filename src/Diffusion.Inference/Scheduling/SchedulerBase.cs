namespace Diffusion.Inference.Scheduling;

/// <summary>What every sampler run shares: the schedule, step bookkeeping and argument checks.</summary>
public abstract class SchedulerBase : IDiffusionScheduler
{
    private float[] _timesteps = [];

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

    public void Step(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample)
    {
        CheckStep(stepIndex);
        CheckLengths(sample.Length, modelOutput.Length);
        CheckLengths(sample.Length, prevSample.Length);
        StepCore(modelOutput, stepIndex, sample, prevSample);
    }

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
