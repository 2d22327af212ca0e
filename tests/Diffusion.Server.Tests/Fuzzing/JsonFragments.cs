using System.Globalization;
using FsCheck;
using FsCheck.Fluent;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// JSON values as raw text, biased to the edges a parser or validator gets wrong: numbers out of
/// range, fractional, negative zero, literals JSON forbids (NaN, Infinity, hex, leading zeros),
/// strings with NUL, lone surrogates and invalid escapes, every other JSON type, deep nesting.
/// Raw text rather than a serializer's output, so invalid JSON can be written as easily as valid.
/// </summary>
public static class JsonFragments
{
    public static readonly string[] EdgeNumbers =
    [
        "-1", "0", "-0", "0.0", "1.5", "0.5", "-0.5", "1e2", "1E-2", "10.0", "2.00000000000000001", "1e308", "1.8e308", "1e400", "-1e400",
        "1e-400", "4.9e-324", "9007199254740991", "9007199254740992", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "2147483648", "-2147483649", "1e19", "9.2e18", "-1e-7",
    ];

    /// <summary>Number-like literals that are not JSON.</summary>
    public static readonly string[] NotJsonNumbers =
        ["NaN", "Infinity", "-Infinity", "+1", "01", ".5", "1.", "0x10", "1e", "--1", "1_000", "1,5", "∞"];

    public static readonly string[] EdgeStrings =
    [
        "\"\"", "\" \"", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"\\udc00x\"", "\"x\\ud83d\"", "\"\\ud83d\\ude00\"",
        "\"\\n\\t\\r\"", "\"\\u00a0\\u2003\"", "\"\\u200b\"", "\"\\\"\"", "\"\\\\\"", "\"\\/\"", "\"\\x41\"", "\"\\u12\"", "\"\\uZZZZ\"",
        "\"caf\u00e9\"", "\"\u732b\"", "\"\ud83d\udc31\"", "\"\u202eevil\"", "\"a\tb\"", "\"line\nbreak\"", "\"unterminated",
        "\"64x64\"", "\"b64_json\"", "\"true\"", "\"1\"", "\"-1\"", "\"NaN\"", "\"null\"", "\"{}\"",
    ];

    public static readonly string[] Literals = ["true", "false", "null", "True", "NULL", "undefined", "nul", "tru"];

    public static Gen<string> Number => Gen.Frequency(
        (4, Gen.Elements(EdgeNumbers)),
        (1, Gen.Elements(NotJsonNumbers)),
        (2, Gen.Choose(-1000, 1000).Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Choose(1, 400).Select(n => new string('9', n))),
        (1, Gen.Choose(-1_000_000, 1_000_000).Zip(Gen.Choose(1, 999)).Select(p => $"{p.Item1}.{p.Item2}")),
        (1, Gen.Choose(-330, 330).Select(e => $"1e{e}")));

    public static Gen<string> String => Gen.Frequency(
        (4, Gen.Elements(EdgeStrings)),
        (1, Gen.Choose(900, 3000).Select(n => "\"" + new string('s', n) + "\"")),
        (1, Gen.Choose(1, 200).Select(n => "\"" + string.Concat(Enumerable.Repeat("\\u0041", n)) + "\"")));

    public static Gen<string> Scalar => Gen.Frequency((3, Number), (3, String), (2, Gen.Elements(Literals)));

    /// <summary>Arrays and objects nested a few levels, mixing scalars.</summary>
    public static Gen<string> Composite => Gen.Sized(size => CompositeOf(Math.Min(3, size / 20 + 1)));

    /// <summary>An array or object nested far beyond the reader's depth limit (16), up to 5000 levels.</summary>
    public static Gen<string> DeepNesting => Gen.Choose(15, 5000).SelectMany(depth => Gen.Elements(
        new string('[', depth) + new string(']', depth),
        string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth),
        new string('[', depth)));

    public static Gen<string> Any => Gen.Frequency((6, Scalar), (3, Composite), (1, DeepNesting));

    private static Gen<string> CompositeOf(int depth)
    {
        var element = depth <= 1 ? Scalar : Gen.Frequency((3, Scalar), (1, CompositeOf(depth - 1)));
        var items = Gen.Choose(0, 3).SelectMany(n => Gen.ListOf(element, n));
        var array = items.Select(items => "[" + string.Join(",", items) + "]");
        var empty = Gen.Elements("[]", "{}", "[[]]", "{\"\":null}", "[null]");
        var obj = items.Select(items => "{" + string.Join(",", items.Select((v, i) => $"\"k{i}\":{v}")) + "}");
        return Gen.OneOf(array, empty, obj);
    }
}
