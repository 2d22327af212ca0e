namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>What an oracle says of a request: the API must accept it, must refuse it, or no claim.</summary>
public enum Validity
{
    Unknown,
    Valid,
    Invalid,
}

public readonly record struct Verdict(Validity Validity, string Reason)
{
    public static Verdict Valid { get; } = new(Validity.Valid, "valid");
    public static Verdict Unknown(string reason) => new(Validity.Unknown, reason);
    public static Verdict Invalid(string reason) => new(Validity.Invalid, reason);
}
