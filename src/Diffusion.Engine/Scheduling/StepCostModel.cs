namespace Diffusion.Engine.Scheduling;

/// <summary>
/// What the deadline-aware policies expect work to cost, learned from the iterations the engine ran. A diffusion
/// iteration of n jobs costs <see cref="IterationOverhead"/> + n × <see cref="JobStep"/>: a line fitted by least
/// squares through the smoothed cost of each batch size seen. Keeping one average per size (rather than moments of
/// the recent iterations) keeps the overhead known through long runs of one size, such as a queue of late jobs
/// drained one at a time. On a CPU the overhead is small (a batch of n costs about n single steps); on a GPU it is
/// most of a lone step, and <see cref="BatchingIsCheap"/>. An LLM iteration costs <see cref="LlmIteration"/>.
/// <para>
/// Whether a job gains by stepping with company is judged apart from the line, by what a pair of jobs costs as a multiple
/// of a lone step measured in the same seconds (<see cref="PairCost"/>). The line cannot judge it: a policy that steps
/// alone sees mostly batches of one, so its line hangs on a few old pairs, and a slow spell in those reads as no fixed
/// part at all, which then kept the policy alone for good. A ratio of two near-simultaneous costs cancels the machine's
/// slow spells, and <see cref="ProbeDue"/> asks for a lone step or a pair whenever either has not run lately.
/// </para>
/// </summary>
public sealed class StepCostModel(TimeSpan initialJobStep, TimeSpan initialLlmIteration)
{
    private const double Weight = 0.05;
    private const double LlmWeight = 0.1;
    private const double PairWeight = 0.1;

    /// <summary>Pairs measured before their cost is trusted.</summary>
    public const int PairsToJudge = 8;

    /// <summary>Diffusion iterations after which a lone step's or a pair's cost counts as old and is measured again.</summary>
    public const int FreshWithin = 64;

    private long _iterations;
    private long _lastLone = long.MinValue / 2;
    private long _lastPair = long.MinValue / 2;
    private double _lastLoneSeconds;
    private int _pairs;
    private double _pairCost;

    // smoothed seconds of a diffusion iteration, by its number of jobs
    private readonly SortedDictionary<int, double> _secondsBySize = [];

    /// <summary>What one more job adds to a diffusion iteration.</summary>
    public TimeSpan JobStep { get; private set; } = initialJobStep;

    /// <summary>What a diffusion iteration costs whatever its size (launch, copies); zero until two batch sizes were seen.</summary>
    public TimeSpan IterationOverhead { get; private set; } = TimeSpan.Zero;

    public TimeSpan LlmIteration { get; private set; } = initialLlmIteration;

    /// <summary>A pair's iteration over a lone step's, each measured within the same few seconds; null until <see cref="PairsToJudge"/> pairs ran.</summary>
    public double? PairCost => _pairs >= PairsToJudge ? _pairCost : null;

    /// <summary>
    /// A pair saves under a tenth of a job's step, as measured (a CPU where a batch of n costs about n lone steps): a job
    /// that steps with others then saves next to nothing and slows them all. A pair costing ρ lone steps has a fixed
    /// part of (2 − ρ) / (ρ − 1) job steps; measurements on such machines wander by a few per cent, so the line is
    /// drawn above that noise. False until pairs were measured: company is then taken, so that it gets measured.
    /// </summary>
    public bool CompanySavesLittle => PairCost is { } rho && 2 - rho < 0.1 * (rho - 1);

    /// <summary>Which iteration the policies should run next to keep <see cref="PairCost"/> current, if any.</summary>
    public CostProbe ProbeDue =>
        _iterations - _lastLone > FreshWithin ? CostProbe.LoneStep
        : _pairs < PairsToJudge || _iterations - _lastPair > FreshWithin ? CostProbe.Pair
        : CostProbe.None;

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
        _iterations++;
        _secondsBySize[jobs] = _secondsBySize.TryGetValue(jobs, out double old) ? old * (1 - Weight) + t * Weight : t;
        if (jobs == 1)
        {
            _lastLone = _iterations;
            _lastLoneSeconds = t;
        }
        else if (jobs == 2 && _iterations - _lastLone <= FreshWithin)
        {
            ObservePair(t / _lastLoneSeconds);   // the latest lone step, not the smoothed one, which may be old
        }
        Fit();
    }

    // the first pairs average evenly, later ones smooth, so one slow iteration moves the judgement little
    private void ObservePair(double ratio)
    {
        _pairs++;
        double weight = Math.Max(PairWeight, 1.0 / _pairs);
        _pairCost = _pairCost * (1 - weight) + ratio * weight;
        _lastPair = _iterations;
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

/// <summary>An iteration the cost model asks for, to measure what company is worth.</summary>
public enum CostProbe
{
    None,

    /// <summary>A job steps alone: the lone step's cost is old or unknown.</summary>
    LoneStep,

    /// <summary>Two jobs step together: too few pairs were measured, or none lately.</summary>
    Pair,
}
