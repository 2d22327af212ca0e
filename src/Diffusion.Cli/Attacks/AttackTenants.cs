using System.Security.Cryptography;

namespace Diffusion.Cli.Attacks;

/// <summary>A tenant of the attacked service and its API key (random for each run, never printed).</summary>
public sealed record AttackTenant(string Name, string Key);

/// <summary>
/// The tenants the attacks play, each with its own key, all with cache scope shared (the pool the defences guard),
/// written as DIFFUSION_API_KEYS for the service.
/// </summary>
public sealed class AttackTenants
{
    public const string StealingVictim = "stealing-victim";
    public const string Thief = "thief";
    public const string ThiefAccomplice = "thief-sybil";
    public const string Sender = "covert-sender";
    public const string Receiver = "covert-receiver";
    public const string Planter = "planter";
    public const string PlanterAccomplice = "planter-sybil";
    public const string PoisoningVictim = "poisoning-victim";
    public const string BenignPrefix = "benign-";

    private readonly Dictionary<string, AttackTenant> byName;

    public AttackTenants(int benignTenants)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(benignTenants, 2);
        string[] names =
        [
            StealingVictim, Thief, ThiefAccomplice, Sender, Receiver, Planter, PlanterAccomplice, PoisoningVictim,
            .. Enumerable.Range(1, benignTenants).Select(i => BenignPrefix + i),
        ];
        byName = names.ToDictionary(n => n, n => new AttackTenant(n, "atk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24))));
        Benign = Enumerable.Range(1, benignTenants).Select(i => byName[BenignPrefix + i]).ToList();
    }

    public AttackTenant this[string name] => byName[name];

    public IReadOnlyList<AttackTenant> Benign { get; }

    /// <summary>The value of DIFFUSION_API_KEYS: every tenant a user with cache scope shared.</summary>
    public string ToApiKeys() => string.Join(';', byName.Values.Select(t => $"{t.Name}:user:shared:{t.Key}"));
}
