namespace Diffusion.Engine.Scheduling;

/// <summary>
/// What the deadline-aware policies expect work to cost, learned from the iterations the engine ran. A diffusion
/// iteration of n jobs costs <see cref="IterationOverhead"/> + n × <see cref="JobStep"/>: a line fitted by least
/// squares through the smoothed cost of each batch size seen. Keeping one average per size (rather than moments of
/// the recent iterations) keeps the overhead known through long runs of one size, such as a queue of late jobs
/// drained one at a time. On a CPU the overhead is small (a batch of n costs about n single steps); on a GPU it is
/// most of a lone step, and <see cref="BatchingIsCheap"/>. An LLM iteration costs <see cref="LlmIteration"/>.
/// </summary>
public sealed class StepCostModel(TimeSpan initialJobStep, TimeSpan initialLlmIteration)
{
    private const double Weight = 0.05;
    private const double LlmWeight = 0.1;

    // smoothed seconds of a diffusion iteration, by its number of jobs
    private readonly SortedDictionary<int, double> _secondsBySize = [];

    /// <summary>What one more job adds to a diffusion iteration.</summary>
    public TimeSpan JobStep { get; private set; } = initialJobStep;

    /// <summary>What a diffusion iteration costs whatever its size (launch, copies); zero until two batch sizes were seen.</summary>
    public TimeSpan IterationOverhead { get; private set; } = TimeSpan.Zero;

    public TimeSpan LlmIteration { get; private set; } = initialLlmIteration;

    /// <summary>
    /// An iteration's fixed part is under a tenth of a job's step (a CPU, where a batch of n costs about n lone steps):
    /// a job that steps with others then saves next to nothing and slows them all. Fits on such machines wander
    /// between 0 and a few per cent of a step, so the line is drawn above that noise.
    /// </summary>
    public bool CompanySavesLittle => IterationOverhead < JobStep * 0.1;

    /// <summary>Whether two batch sizes were seen, so <see cref="IterationOverhead"/> is measured rather than assumed zero.</summary>
    public bool KnowsOverhead => _secondsBySize.Count >= 2;

    /// <summary>One more job costs at most half a lone iteration: stepping jobs together pays (a GPU, not a CPU).</summary>
    public bool BatchingIsCheap => JobStep <= (IterationOverhead + JobStep) * 0.5;

    /// <summary>A diffusion iteration of <paramref name="jobs"/> jobs took <paramref name="elapsed"/>.</summary>
    public void ObserveDiffusion(int jobs, TimeSpan elapsed)
    {
        if (jobs <= 0 || elapsed <= TimeSpan.Zero)
        {
            return;
        }

        double t = elapsed.TotalSeconds;
        _secondsBySize[jobs] = _secondsBySize.TryGetValue(jobs, out double old) ? old * (1 - Weight) + t * Weight : t;
        Fit();
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

    /// <summary>
    /// The line through the sizes' costs, each size weighing alike. Its slope stays between 0 and the dearest cost per
    /// job seen, and its intercept (the overhead) at or above 0; with one size there is no slope, so all is per job.
    /// </summary>
    private void Fit()
    {
        int count = _secondsBySize.Count;
        double meanN = _secondsBySize.Keys.Average(), meanT = _secondsBySize.Values.Average();
        double variance = _secondsBySize.Keys.Sum(n => (n - meanN) * (n - meanN)) / count;
        double perJob;
        if (count < 2)
        {
            perJob = meanT / meanN;
        }
        else
        {
            double covariance = _secondsBySize.Sum(e => (e.Key - meanN) * (e.Value - meanT)) / count;
            perJob = Math.Clamp(covariance / variance, 0, _secondsBySize.Max(e => e.Value / e.Key));
        }

        JobStep = TimeSpan.FromSeconds(perJob);
        IterationOverhead = TimeSpan.FromSeconds(Math.Max(0, meanT - perJob * meanN));
    }
}
