using System.Diagnostics.CodeAnalysis;

namespace Diffusion.Server.Api;

/// <summary>A checked input: either a value or the <see cref="ApiError"/> that explains why there is none.</summary>
public readonly record struct Checked<T> where T : class
{
    private Checked(T? value, ApiError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }
    public ApiError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsValid => Error is null;

    public static Checked<T> Ok(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), null);
    public static Checked<T> Fail(ApiError error) => new(null, error ?? throw new ArgumentNullException(nameof(error)));

    public static implicit operator Checked<T>(ApiError error) => Fail(error);
}
