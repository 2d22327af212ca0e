using FsCheck;
using FsCheck.Fluent;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// Mutations of a valid generation body, first on its fields (delete one, swap a value for another
/// type, repeat a key, add an unknown key) and then on its bytes (flip, truncate, insert bytes that
/// are not UTF-8, delete). Each returns what it did, for the failure report.
/// </summary>
public static class BodyMutations
{
    /// <summary>Byte sequences that are not UTF-8: a lone continuation, overlong forms, an encoded surrogate, 0xFF.</summary>
    public static readonly byte[][] InvalidUtf8 =
        [[0xFF], [0xFE, 0xFF], [0x80], [0xC0, 0xAF], [0xC3, 0x28], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC2]];

    public static Gen<(string Recipe, JsonObjectText Body)> OnFields(JsonObjectText body)
    {
        var count = body.Fields.Count;
        var delete = count == 0
            ? Gen.Constant(("delete(none)", body))
            : Gen.Choose(0, count - 1).Select(i => ($"delete({body.Fields[i].Key})", body with { Fields = [.. body.Fields.Where((_, j) => j != i)] }));
        var swap = count == 0
            ? Gen.Constant(("swap(none)", body))
            : Gen.Choose(0, count - 1).SelectMany(i => JsonFragments.Any.Select(value =>
                ($"swap({body.Fields[i].Key}={Clip(value)})", body with { Fields = [.. body.Fields.Select((f, j) => j == i ? (f.Key, value) : f)] })));
        var repeat = Gen.Elements(GenerationFields.Names).SelectMany(name => GenerationFields.AnyValue(name).Select(value =>
            ($"repeat({name})", body with { Fields = [.. body.Fields, (name, value)] })));
        var unknown = GenerationFields.UnknownName.SelectMany(name => JsonFragments.Scalar.Select(value =>
            ($"unknown({Clip(name)})", body with { Fields = [.. body.Fields, (name, value)] })));
        return Gen.Frequency((3, delete), (4, swap), (1, repeat), (1, unknown));
    }

    public static Gen<(string Recipe, byte[] Bytes)> OnBytes(byte[] bytes)
    {
        if (bytes.Length == 0) return Gen.Constant(("bytes(empty)", bytes));
        var at = Gen.Choose(0, bytes.Length - 1);
        var flip = at.Zip(Gen.Choose(1, 255)).Select(p =>
        {
            var copy = (byte[])bytes.Clone();
            copy[p.Item1] ^= (byte)p.Item2;
            return ($"flip@{p.Item1}^{p.Item2:x2}", copy);
        });
        var truncate = at.Select(i => ($"truncate@{i}", bytes[..i]));
        var insert = at.Zip(Gen.Elements(InvalidUtf8)).Select(p =>
            ($"insert@{p.Item1}:{Convert.ToHexString(p.Item2)}", (byte[])[.. bytes[..p.Item1], .. p.Item2, .. bytes[p.Item1..]]));
        var remove = at.Select(i => ($"remove@{i}", (byte[])[.. bytes[..i], .. bytes[(i + 1)..]]));
        return Gen.Frequency((3, flip), (2, truncate), (2, insert), (1, remove));
    }

    /// <summary>Applies <paramref name="fieldSteps"/> field mutations, then <paramref name="byteSteps"/> byte mutations.</summary>
    public static Gen<(string Recipe, byte[] Bytes)> Apply(JsonObjectText body, int fieldSteps, int byteSteps)
    {
        Gen<(string, JsonObjectText)> fields = Gen.Constant(("", body));
        for (var i = 0; i < fieldSteps; i++)
            fields = fields.SelectMany(state => OnFields(state.Item2).Select(next => (Join(state.Item1, next.Recipe), next.Body)));
        var bytes = fields.Select(state => (state.Item1, state.Item2.Bytes()));
        for (var i = 0; i < byteSteps; i++)
            bytes = bytes.SelectMany(state => OnBytes(state.Item2).Select(next => (Join(state.Item1, next.Recipe), next.Bytes)));
        return bytes;
    }

    private static string Join(string done, string next) => done.Length == 0 ? next : done + ", " + next;

    private static string Clip(string text) => text.Length <= 24 ? text : text[..24] + "...";
}
