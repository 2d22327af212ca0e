namespace Diffusion.Engine.Scheduling;

/// <summary>
/// What the deadline-aware policies expect work to cost, learned from the iterations the engine ran. A diffusion
/// iteration of n jobs costs <see cref="IterationOverhead"/> + n × <see cref="JobStep"/>, fitted by least squares over
/// exponentially weighted moments, so the figures follow the machine's load. On a CPU the overhead is about nothing
/// (a batch of n costs n single steps); on a GPU it is most of a lone step, and <see cref="BatchingIsCheap"/>. An
/// LLM iteration costs <see cref="LlmIteration"/>.
/// </summary>
public sealed class StepCostModel(TimeSpan initialJobStep, TimeSpan initialLlmIteration)
{
    private const double Weight = 0.05;
    private const double LlmWeight = 0.1;

    /// <summary>Below this variance of the batch sizes seen, the fit cannot separate overhead from per-job cost.</summary>
    private const double MinimumSizeVariance = 0.05;

    // weighted moments of (jobs, seconds) over diffusion iterations; null until the first one
    private Moments? _moments;

    /// <summary>What one more job adds to a diffusion iteration.</summary>
    public TimeSpan JobStep { get; private set; } = initialJobStep;

    /// <summary>What a diffusion iteration costs whatever its size (launch, copies); zero until the batch sizes vary.</summary>
    public TimeSpan IterationOverhead { get; private set; } = TimeSpan.Zero;

    public TimeSpan LlmIteration { get; private set; } = initialLlmIteration;

    /// <summary>One more job costs at most half a lone iteration: stepping jobs together pays (a GPU, not a CPU).</summary>
    public bool BatchingIsCheap => JobStep <= (IterationOverhead + JobStep) * 0.5;

    /// <summary>A diffusion iteration of <paramref name="jobs"/> jobs took <paramref name="elapsed"/>.</summary>
    public void ObserveDiffusion(int jobs, TimeSpan elapsed)
    {
        if (jobs <= 0 || elapsed <= TimeSpan.Zero)
        {
            return;
        }

        double n = jobs, t = elapsed.TotalSeconds;
        var m = _moments is { } old
            ? new Moments(Blend(old.N, n), Blend(old.T, t), Blend(old.NN, n * n), Blend(old.NT, n * t))
            : new Moments(n, t, n * n, n * t);
        _moments = m;
        double variance = m.NN - m.N * m.N;
        double perJob = variance < MinimumSizeVariance
            ? m.T / m.N
            : Math.Clamp((m.NT - m.N * m.T) / variance, 0, m.T / m.N);
        JobStep = TimeSpan.FromSeconds(perJob);
        IterationOverhead = TimeSpan.FromSeconds(Math.Max(0, m.T - perJob * m.N));
    }

    public void ObserveLlm(TimeSpan elapsed)
    {
        if (elapsed > TimeSpan.Zero)
        {
            LlmIteration = LlmIteration * (1 - LlmWeight) + elapsed * LlmWeight;
        }
    }

    /// <summary>Time for <paramref name="steps"/> steps of a job sharing iterations with <paramref name="batch"/> jobs in all.</summary>
    public TimeSpan Diffusion(int steps, int batch) => (IterationOverhead + JobStep * Math.Max(1, batch)) * steps;

    public TimeSpan Llm(int iterations) => LlmIteration * iterations;

    /// <summary>Weighted means of jobs, seconds, jobs² and jobs × seconds.</summary>
    private readonly record struct Moments(double N, double T, double NN, double NT);

    private static double Blend(double average, double sample) => average * (1 - Weight) + sample * Weight;
}
