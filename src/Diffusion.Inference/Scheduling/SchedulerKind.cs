namespace Diffusion.Inference.Scheduling;

/// <summary>The samplers a request may name; any of them runs on any model's noise schedule.</summary>
public enum SchedulerKind
{
    Ddim,
    Euler,
    DpmSolverPlusPlus2M,
}

public static class SchedulerKinds
{
    /// <summary>The names used on the command line and in the API.</summary>
    public static string ToName(this SchedulerKind kind) => kind switch
    {
        SchedulerKind.Ddim => "ddim",
        SchedulerKind.Euler => "euler",
        SchedulerKind.DpmSolverPlusPlus2M => "dpm++2m",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown scheduler kind"),
    };

    public static bool TryParse(string? name, out SchedulerKind kind)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "ddim":
                kind = SchedulerKind.Ddim;
                return true;
            case "euler":
                kind = SchedulerKind.Euler;
                return true;
            case "dpm++2m" or "dpmpp2m" or "dpm-solver++":
                kind = SchedulerKind.DpmSolverPlusPlus2M;
                return true;
            default:
                kind = default;
                return false;
        }
    }

    public static SchedulerKind Parse(string name) => TryParse(name, out var kind)
        ? kind
        : throw new ArgumentException($"Unknown scheduler '{name}'; use ddim, euler or dpm++2m.", nameof(name));
}
