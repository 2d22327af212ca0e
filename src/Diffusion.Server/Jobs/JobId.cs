using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Diffusion.Server.Jobs;

/// <summary>Id of a job: "job_" + 24 random lower-case hex digits.</summary>
public readonly record struct JobId
{
    public const string Prefix = "job_";
    public const int Length = 28;

    private JobId(string value) => Value = value;

    public string Value { get; }

    public override string ToString() => Value;

    public static JobId New() => new(Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)));

    public static bool TryParse([NotNullWhen(true)] string? text, out JobId id)
    {
        id = default;
        if (text is null || text.Length != Length || !text.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        foreach (var c in text.AsSpan(Prefix.Length))
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f')) return false;
        }
        id = new JobId(text);
        return true;
    }
}
