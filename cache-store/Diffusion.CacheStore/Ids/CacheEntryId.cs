using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Diffusion.CacheStore;

/// <summary>
/// The id of one cached prompt entry. It doubles as the entry's FAISS id, so it is never negative
/// (FAISS reserves -1 for "no result"). Its string form is 16 lower-case hex digits.
/// </summary>
public readonly record struct CacheEntryId
{
    public CacheEntryId(long value)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A cache entry id is never negative (FAISS reserves negative ids).");
        }
        Value = value;
    }

    public long Value { get; }

    /// <summary>A fresh random id (63 random bits, never zero). Random ids need no coordination between instances.</summary>
    public static CacheEntryId New()
    {
        Span<byte> bytes = stackalloc byte[8];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            long value = BinaryPrimitives.ReadInt64LittleEndian(bytes) & long.MaxValue;
            if (value != 0)
            {
                return new CacheEntryId(value);
            }
        }
    }

    public override string ToString() => Value.ToString("x16", CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out CacheEntryId id)
    {
        id = default;
        if (text is null || text.Length != 16
            || !long.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long value)
            || value < 0)
        {
            return false;
        }
        id = new CacheEntryId(value);
        return true;
    }

    public static CacheEntryId Parse(string text) =>
        TryParse(text, out var id)
            ? id
            : throw new FormatException($"'{text}' is not a cache entry id (expected 16 hex digits of a non-negative 64-bit number).");
}
