namespace Diffusion.Inference.Scheduling;

/// <summary>Creates a fresh sampler run per job over one model's shared <see cref="NoiseSchedule"/>.</summary>
public sealed class SchedulerFactory
{
    public SchedulerFactory(SchedulerConfig config)
    {
        Schedule = new NoiseSchedule(config);
    }

    public NoiseSchedule Schedule { get; }

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
