using FsCheck;
using FsCheck.Fluent;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// Query strings for the gallery's filters and the prompt check, as raw text after '?': known and
/// unknown keys, repeated keys, valid and broken values, percent-encoded bytes that are not UTF-8,
/// and raw bytes HTTP forbids.
/// </summary>
public static class QueryStrings
{
    public static readonly string[] GalleryKeys = ["q", "since", "until", "cache", "limit", "offset"];

    public static readonly string[] BadKeys = ["prompt", "Limit", "LIMIT", "", "q[]", "%71", "li%00mit", "%ff", "offset ", "page", "%20q"];

    public static readonly string[] WeirdValues =
    [
        "", "-1", "0", "501", "500", "1", "1e3", "abc", "%ff%fe", "%c0%af", "%", "%zz", "+", "%2b1", "9999999999999999999", "2147483647",
        "2147483648", " 5", "5 ", "0x10", "１２", "2024-01-01", "2024-13-45", "0001-01-01T00:00:00%2b14:00", "9999-12-31T23:59:59-14:00",
        "253402300799", "253402300800", "-62135596800", "now", "hit", "miss", "any", "HIT", "%00", "a%00b", "%e2%80%ae", "..%2f..",
    ];

    public static Gen<string> Value(string key) => Gen.Frequency(
        (3, key switch
        {
            "q" => Gen.Elements("cat", "a+red+fox", "%E7%8C%AB", "", "%25", "%5c"),
            "since" or "until" => Gen.Elements("2024-01-01T00:00:00Z", "1700000000", "0", "2030-06-01", "2024-01-01T00:00:00%2b02:00"),
            "cache" => Gen.Elements("hit", "miss", "any", ""),
            "limit" => Gen.Choose(1, 500).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            "offset" => Gen.Choose(0, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            _ => Gen.Constant("x"),
        }),
        (3, Gen.Elements(WeirdValues)),
        (1, Gen.Elements(PathSegments.RawForbidden)),
        (1, Gen.Choose(1, 3000).Select(n => new string('q', n))));

    public static Gen<string> Gallery =>
        Gen.Frequency((8, Gen.Elements(GalleryKeys)), (2, Gen.Elements(BadKeys)))
            .SelectMany(key => Value(key).Select(value => Gen.Elements(true, true, true, false).Select(withEquals => withEquals ? $"{key}={value}" : key)))
            .SelectMany(pair => pair)
            .ListOf()
            .SelectMany(pairs => Gen.Elements("&", "&", "&&", ";").Select(separator => string.Join(separator, pairs.Take(6))));

    public static Gen<string> PromptValue => Gen.Frequency(
        (4, Gen.Elements(GenerationFields.Prompts).Select(Uri.EscapeDataString)),
        (2, Gen.Elements("two+kitties+and+a+bike", "a%20watercolor%20fox", "%F0%9F%90%B1", "three 3 cats", "%e2%80%ae%e2%80%ae", "cat%00dog",
            "%ff%fe%fd", "%c0%ae", "%ed%a0%80", "%", "%2", "+++", "%20%20", "", "a%0d%0ab", "the the the the", "a,b;c.d!e?f", "cats%2c%20dogs",
            "%CC%81%CC%81%CC%81", "%EF%BB%BF", "ǅ", "İ", "%E2%80%8B", "1%2F2", "10000000000000000000000000000000000 cats")),
        (1, Gen.Elements(PathSegments.RawForbidden)),
        (1, Gen.Choose(990, 3000).Select(n => string.Concat(Enumerable.Repeat("cat+", n / 4)))));

    public static Gen<string> PromptCheck => Gen.Frequency(
        (6, PromptValue.Select(v => "prompt=" + v)),
        (1, PromptValue.Two().Select(p => $"prompt={p.Item1}&prompt={p.Item2}")),
        (1, Gen.Elements("", "prompt", "prompt=", "Prompt=cat", "q=cat", "prompt[]=cat", "prompt=cat&extra=1")));
}
