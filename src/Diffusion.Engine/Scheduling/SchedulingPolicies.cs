namespace Diffusion.Engine.Scheduling;

/// <summary>The policies' names on the command line and in reports.</summary>
public static class SchedulingPolicies
{
    public static readonly IReadOnlyList<string> Names = ["fcfs", "edf", "least-slack", "cache-aware"];

    public static string ToName(this SchedulingPolicy policy) => policy switch
    {
        SchedulingPolicy.EarliestDeadline => "edf",
        SchedulingPolicy.LeastSlack => "least-slack",
        SchedulingPolicy.CacheAware => "cache-aware",
        _ => "fcfs",
    };

    /// <exception cref="ArgumentException">Not one of <see cref="Names"/>.</exception>
    public static SchedulingPolicy Parse(string name) => name switch
    {
        "fcfs" => SchedulingPolicy.Fcfs,
        "edf" => SchedulingPolicy.EarliestDeadline,
        "least-slack" => SchedulingPolicy.LeastSlack,
        "cache-aware" => SchedulingPolicy.CacheAware,
        _ => throw new ArgumentException($"scheduling policy '{name}' is not one of {string.Join(", ", Names)}"),
    };
}
