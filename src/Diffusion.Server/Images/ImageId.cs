using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Diffusion.Server.Images;

/// <summary>
/// Id of a stored image: "img_" + 12 hex digits of Unix milliseconds + 8 random hex digits, lower case.
/// The strict format is what makes ids safe as file names (no separators, no dots), and the time
/// prefix makes ordinal order creation order.
/// </summary>
[JsonConverter(typeof(ImageIdJsonConverter))]
public readonly record struct ImageId
{
    public const string Prefix = "img_";
    public const int Length = 24;
    public const string FormatDescription = "img_ followed by 20 lower-case hex digits";

    private ImageId(string value) => Value = value;

    public string Value { get; }

    public override string ToString() => Value;

    public static ImageId New(DateTimeOffset now)
    {
        var millis = Math.Clamp(now.ToUnixTimeMilliseconds(), 0, 0xFFFF_FFFF_FFFFL);
        var random = RandomNumberGenerator.GetInt32(int.MaxValue);
        return new ImageId(string.Create(CultureInfo.InvariantCulture, $"{Prefix}{millis:x12}{random:x8}"));
    }

    public static bool TryParse([NotNullWhen(true)] string? text, out ImageId id)
    {
        id = default;
        if (text is null || text.Length != Length || !text.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        foreach (var c in text.AsSpan(Prefix.Length))
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return false;
        }
        id = new ImageId(text);
        return true;
    }

    public static ImageId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not an image id ({FormatDescription}).");
}

public sealed class ImageIdJsonConverter : JsonConverter<ImageId>
{
    public override ImageId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return ImageId.TryParse(text, out var id)
            ? id
            : throw new JsonException($"'{text}' is not an image id ({ImageId.FormatDescription}).");
    }

    public override void Write(Utf8JsonWriter writer, ImageId value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);
}
