using System.Globalization;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// How many cases and from which seed: DIFFUSION_FUZZ_CASES (default <see cref="DefaultCases"/>) and
/// DIFFUSION_FUZZ_SEED (default: a fresh one, printed so a failing run can be repeated exactly).
/// </summary>
public sealed record FuzzSettings(int Cases, ulong Seed)
{
    public const int DefaultCases = 500;
    public const string CasesVariable = "DIFFUSION_FUZZ_CASES";
    public const string SeedVariable = "DIFFUSION_FUZZ_SEED";

    public static FuzzSettings FromEnvironment()
    {
        var cases = Environment.GetEnvironmentVariable(CasesVariable) is { Length: > 0 } text
            ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
            : DefaultCases;
        if (cases < 1) throw new InvalidOperationException($"{CasesVariable} must be at least 1");
        var seedText = Environment.GetEnvironmentVariable(SeedVariable);
        var seed = seedText is { Length: > 0 }
            ? ulong.Parse(seedText, NumberStyles.None, CultureInfo.InvariantCulture)
            : (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        return new FuzzSettings(cases, seed);
    }

    public string Reproduce =>
        $"{SeedVariable}={Seed} {CasesVariable}={Cases} dotnet test tests/Diffusion.Server.Tests -c Release --filter FullyQualifiedName~HttpApiFuzzTests";
}
