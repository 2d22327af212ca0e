namespace Diffusion.Server.Idempotency;

/// <summary>
/// The <c>Idempotency-Key</c> request header (IETF draft-ietf-httpapi-idempotency-key-header): a client-chosen
/// string, 1 to 255 visible ASCII characters (a UUID is typical), that makes retries of one POST return the first
/// response instead of doing the work again. Keys are scoped to the tenant.
/// </summary>
public static class IdempotencyKey
{
    public const string Header = "Idempotency-Key";

    /// <summary>Set on a response that replays a stored one.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    public const int MaxLength = 255;

    /// <summary>Null when <paramref name="value"/> is a usable key, else what is wrong with it.</summary>
    public static string? Problem(string value)
    {
        if (value.Length is 0 or > MaxLength)
        {
            return $"the {Header} header must be 1 to {MaxLength} characters long; it is {value.Length}";
        }
        return value.All(c => c is >= '!' and <= '~')
            ? null
            : $"the {Header} header may hold only visible ASCII characters (no spaces or controls); a UUID is a good key";
    }
}
