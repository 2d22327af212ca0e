namespace Diffusion.Cli.Attacks;

/// <summary>The bench's outcome: the undefended and the defended run (either may be skipped) and the goals.</summary>
public sealed record AttackBenchResult(AttackSettings Settings, ModeResult? Undefended, ModeResult? Defended, DateTimeOffset Started, double Seconds)
{
    public const double StealingMargin = 0.05;
    public const double CovertGoalBitsPerHour = 1.0;
    public const double PoisoningGoal = 0.01;

    public double Chance => Scoring.TieBreakingGuess.Chance(Settings.Candidates);

    public bool? StealingGoalMet => Defended is null ? null : Defended.Stealing.MeanScore <= Chance + StealingMargin;

    public bool? CovertGoalMet => Defended is null ? null : Defended.Covert.BitsPerHour <= CovertGoalBitsPerHour;

    public bool? PoisoningGoalMet => Defended is null ? null : Defended.Poisoning.Direct.Share <= PoisoningGoal;

    /// <summary>The undefended run shows poisoning at all; if not, the planted prompts are too far to test anything.</summary>
    public bool? PoisoningUndefendedAboveZero => Undefended is null ? null : Undefended.Poisoning.Direct.Poisoned > 0;
}
