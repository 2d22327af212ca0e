namespace Diffusion.Engine.Scheduling;

/// <summary>
/// What the deadline-aware policies expect work to cost, learned from the iterations the engine ran: seconds per
/// diffusion job-step (an iteration of n jobs costs about n of them on a CPU; less on a GPU, which the average then
/// shows) and seconds per LLM iteration. Exponential averages, so they follow the machine's load.
/// </summary>
public sealed class StepCostModel(TimeSpan initialJobStep, TimeSpan initialLlmIteration)
{
    private const double Weight = 0.1;

    public TimeSpan JobStep { get; private set; } = initialJobStep;

    public TimeSpan LlmIteration { get; private set; } = initialLlmIteration;

    /// <summary>A diffusion iteration of <paramref name="jobs"/> jobs took <paramref name="elapsed"/>.</summary>
    public void ObserveDiffusion(int jobs, TimeSpan elapsed)
    {
        if (jobs > 0 && elapsed > TimeSpan.Zero)
        {
            JobStep = Blend(JobStep, elapsed / jobs);
        }
    }

    public void ObserveLlm(TimeSpan elapsed)
    {
        if (elapsed > TimeSpan.Zero)
        {
            LlmIteration = Blend(LlmIteration, elapsed);
        }
    }

    /// <summary>Time for <paramref name="steps"/> steps of a job sharing iterations with <paramref name="batch"/> jobs in all.</summary>
    public TimeSpan Diffusion(int steps, int batch) => JobStep * (steps * (double)Math.Max(1, batch));

    public TimeSpan Llm(int iterations) => LlmIteration * iterations;

    private static TimeSpan Blend(TimeSpan average, TimeSpan sample) => average * (1 - Weight) + sample * Weight;
}
