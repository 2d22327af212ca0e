namespace Diffusion.CacheStore;

/// <summary>
/// Partition key of the cache: one tenant never sees or overwrites another's entries.
/// Limited to 1–64 characters of [a-z0-9_-] because it becomes a directory name and a Redis key prefix.
/// <c>default(TenantId)</c> is the same as <see cref="Default"/>.
/// </summary>
public readonly record struct TenantId
{
    public const int MaxLength = 64;
    private const string DefaultValue = "default";
    private readonly string? _value;

    public TenantId(string value)
    {
        if (!IsValid(value, out string? problem))
        {
            throw new ArgumentException(problem, nameof(value));
        }
        _value = value;
    }

    public static TenantId Default => new(DefaultValue);

    public string Value => _value ?? DefaultValue;

    public bool Equals(TenantId other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public override string ToString() => Value;

    public static bool TryParse(string? text, out TenantId tenant)
    {
        tenant = default;
        if (!IsValid(text, out _))
        {
            return false;
        }
        tenant = new TenantId(text!);
        return true;
    }

    private static bool IsValid(string? value, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(value))
        {
            problem = "A tenant id must not be empty.";
        }
        else if (value.Length > MaxLength)
        {
            problem = $"A tenant id has at most {MaxLength} characters; '{value[..16]}…' has {value.Length}.";
        }
        else if (!value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-'))
        {
            problem = $"Tenant id '{value}' may contain only lower-case letters, digits, '_' and '-'.";
        }
        return problem is null;
    }
}
