using System.ComponentModel;
using System.Globalization;

namespace Diffusion.CacheStore;

/// <summary>
/// A number of bytes written the way people configure sizes: "2GB", "512MB", "100KB", "1.5 GiB", "4096".
/// Units are binary (KB = KiB = 1024 bytes) and case-insensitive; no unit means bytes.
/// </summary>
[TypeConverter(typeof(ByteSizeConverter))]
public readonly record struct ByteSize(long Bytes)
{
    private static readonly (string Suffix, long Factor)[] Units =
    [
        ("TIB", 1L << 40), ("GIB", 1L << 30), ("MIB", 1L << 20), ("KIB", 1L << 10),
        ("TB", 1L << 40), ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10),
        ("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10),
        ("B", 1),
    ];

    public static ByteSize Parse(string text) =>
        TryParse(text, out var size, out string? problem) ? size : throw new FormatException(problem);

    public static bool TryParse(string? text, out ByteSize size, out string? problem)
    {
        size = default;
        problem = null;
        string trimmed = (text ?? "").Trim();
        if (trimmed.Length == 0)
        {
            problem = "A size is empty; write it like \"2GB\", \"512MB\" or \"100KB\".";
            return false;
        }
        if (trimmed.StartsWith('-'))
        {
            problem = $"Size '{text}' is negative; a size must be positive, like \"2GB\".";
            return false;
        }
        string upper = trimmed.ToUpperInvariant();
        long factor = 1;
        string number = upper;
        foreach (var (suffix, unitFactor) in Units)
        {
            if (upper.EndsWith(suffix, StringComparison.Ordinal))
            {
                factor = unitFactor;
                number = upper[..^suffix.Length].TrimEnd();
                break;
            }
        }
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value))
        {
            problem = $"Size '{text}' is not a number with an optional unit B, KB, MB, GB or TB (e.g. \"2GB\", \"512MB\").";
            return false;
        }
        decimal bytes = decimal.Floor(value * factor);
        if (bytes > long.MaxValue)
        {
            problem = $"Size '{text}' is too large.";
            return false;
        }
        size = new ByteSize((long)bytes);
        return true;
    }

    public override string ToString()
    {
        foreach (var (suffix, factor) in Units.Where(u => u.Suffix.Length == 2))
        {
            if (Bytes >= factor && Bytes % factor == 0)
            {
                return $"{(Bytes / factor).ToString(CultureInfo.InvariantCulture)}{suffix}";
            }
        }
        return $"{Bytes.ToString(CultureInfo.InvariantCulture)}B";
    }
}

/// <summary>Lets configuration binding read a <see cref="ByteSize"/> from a string such as "2GB".</summary>
public sealed class ByteSizeConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text ? ByteSize.Parse(text) : base.ConvertFrom(context, culture, value);
}
