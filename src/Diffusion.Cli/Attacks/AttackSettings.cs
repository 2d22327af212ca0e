namespace Diffusion.Cli.Attacks;

/// <summary>
/// The bench's settings. The defaults give the power the goals need on a 2-core CPU in under 20 minutes: stealing
/// 24 trials of 8 candidates, 64 covert symbols, 60 poisoning requests (0 of 60 bounds the true rate below 5 % at
/// 95 % confidence), at 20 steps (2.5× faster than 50, and the cache serves it the same way: its cache points scale
/// with the step count).
/// </summary>
public sealed record AttackSettings
{
    public string ModelsDirectory { get; init; } = "./models";
    public int Steps { get; init; } = 20;
    public int Candidates { get; init; } = 8;
    public int StealingTrials { get; init; } = 24;
    public int CovertSymbols { get; init; } = 64;
    public int PoisoningRequests { get; init; } = 60;
    public int BenignTenants { get; init; } = 4;
    public int BenignPrompts { get; init; } = 6;
    public int CalibrationPairs { get; init; } = 10;

    /// <summary>Trials of the two-key (Sybil) stealing test, run against the defended service only; 0 = none.</summary>
    public int SybilStealingTrials { get; init; } = 8;

    /// <summary>Victim requests of the two-key (Sybil) poisoning test, defended service only; 0 = none.</summary>
    public int SybilPoisoningRequests { get; init; } = 16;

    /// <summary>serve's --shared-pool-corroboration; null: the service's default.</summary>
    public int? Corroboration { get; init; }

    /// <summary>The cache field of the stealing victim's request: refresh stores it as a miss would be (see the report).</summary>
    public string VictimCache { get; init; } = "refresh";

    public int Seed { get; init; } = 1;

    public bool KeepData { get; init; }

    /// <summary>Prompt families one service run draws (each family has its own place and background).</summary>
    public int FamiliesNeeded => 2 * CalibrationPairs + BenignPrompts + StealingTrials + SybilStealingTrials + CovertSymbols
                                 + PoisoningRequests + SybilPoisoningRequests;

    public void Validate(int familiesAvailable, int concepts)
    {
        void Require(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Require(Steps >= 2, "--steps must be at least 2");
        Require(Candidates >= 2 && Candidates <= concepts, $"--candidates must be between 2 and {concepts} (the model's objects)");
        Require(StealingTrials >= 1, "--stealing-trials must be at least 1");
        Require(CovertSymbols >= 2, "--covert-bits must be at least 2");
        Require(PoisoningRequests >= 1, "--poisoning-requests must be at least 1");
        Require(BenignTenants >= 2, "--benign-tenants must be at least 2");
        Require(BenignPrompts >= 1, "--benign-prompts must be at least 1");
        Require(CalibrationPairs >= 1, "--calibration-pairs must be at least 1");
        Require(SybilStealingTrials >= 0 && SybilPoisoningRequests >= 0, "the two-key test sizes cannot be negative");
        Require(Corroboration is null or >= 1, "--corroboration must be at least 1");
        Require(VictimCache is "auto" or "refresh", "--victim-cache must be auto or refresh");
        Require(FamiliesNeeded <= familiesAvailable,
            $"these trial counts need {FamiliesNeeded} prompt families, and the emoji world has {familiesAvailable} (place, colour, texture) triples");
    }

    /// <summary>A smoke run: a few trials of everything.</summary>
    public AttackSettings Quick() => this with
    {
        StealingTrials = 3, CovertSymbols = 8, PoisoningRequests = 4, BenignPrompts = 2, CalibrationPairs = 3,
        SybilStealingTrials = 2, SybilPoisoningRequests = 2,
    };
}
