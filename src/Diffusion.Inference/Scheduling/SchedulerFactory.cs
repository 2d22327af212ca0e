namespace Diffusion.Inference.Scheduling;

/// <summary>Creates a fresh sampler run per job over one model's shared <see cref="NoiseSchedule"/>.</summary>
public sealed class SchedulerFactory
{
    public SchedulerFactory(SchedulerConfig config)
    {
        Schedule = new NoiseSchedule(config);
    }

    public NoiseSchedule Schedule { get; }

    /// <summary>
    /// The most steps every sampler accepts on this schedule, at most <paramref name="ceiling"/> (e.g. "leading"
    /// spacing with steps_offset 1 allows 999 of 1000 training steps). Found by trying: the samplers own the rule.
    /// </summary>
    public int MaxSteps(int ceiling)
    {
        for (var steps = ceiling; steps > 1; steps--)
        {
            try
            {
                foreach (var kind in Enum.GetValues<SchedulerKind>())
                {
                    Create(kind, steps);
                }
                return steps;
            }
            catch (ArgumentOutOfRangeException)
            {
                // this count puts a timestep outside the schedule: try one fewer
            }
        }
        return 1;
    }

    /// <summary>A new run of <paramref name="kind"/> with its timesteps set for <paramref name="steps"/> steps.</summary>
    public IDiffusionScheduler Create(SchedulerKind kind, int steps)
    {
        IDiffusionScheduler scheduler = kind switch
        {
            SchedulerKind.Ddim => new DdimScheduler(Schedule),
            SchedulerKind.Euler => new EulerDiscreteScheduler(Schedule),
            SchedulerKind.DpmSolverPlusPlus2M => new DpmSolverMultistepScheduler(Schedule),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown scheduler kind"),
        };
        scheduler.SetTimesteps(steps);
        return scheduler;
    }
}
