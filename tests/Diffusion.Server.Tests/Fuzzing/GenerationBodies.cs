using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>A generated body and how it was made.</summary>
public sealed record GeneratedBody(string Recipe, FuzzBody? Body);

/// <summary>
/// Bodies for the generation endpoints: objects from the field grammar, mutated valid objects,
/// JSON that is not an object, bytes that are not JSON or not UTF-8, nesting past the depth limit,
/// and bodies around and far beyond the 1 MiB the reader accepts (and Kestrel's 30 MB).
/// </summary>
public static class GenerationBodies
{
    /// <summary>The reader's limit (GenerationRequestReader.MaxBodyBytes), restated: the fuzzer aims at both sides of it.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public static Gen<JsonObjectText> ValidObject =>
        Gen.SubListOf(GenerationFields.Names.Where(n => n != "prompt"))
            .SelectMany(names => Gen.CollectToList(["prompt", .. names], name => GenerationFields.ValidValue(name).Select(v => (name, v))))
            .SelectMany(fields => Gen.Shuffle(fields.ToArray()))
            .Zip(Gen.Elements(true, false), (fields, spaced) => new JsonObjectText([.. fields], spaced));

    /// <summary>Any subset of the fields (prompt usually present), each valid or not, sometimes with unknown or repeated keys.</summary>
    public static Gen<GeneratedBody> Grammar =>
        Gen.Frequency((9, Gen.Constant(true)), (1, Gen.Constant(false)))
            .SelectMany(withPrompt => Gen.SubListOf(GenerationFields.Names.Where(n => n != "prompt"))
                .Select(names => withPrompt ? ["prompt", .. names] : names.ToList()))
            .SelectMany(names => Gen.CollectToArray(names, name => GenerationFields.AnyValue(name).Select(v => (name, v))))
            .SelectMany(fields => Gen.Frequency<(string, string)[]>(
                (6, Gen.Constant(fields)),
                (1, GenerationFields.UnknownName.Zip(JsonFragments.Scalar).Select(extra => ((string, string)[])[.. fields, extra])),
                (1, Gen.Elements(GenerationFields.Names).SelectMany(n => GenerationFields.AnyValue(n)
                    .Select(v => ((string, string)[]) [.. fields, (n, v)])))))
            .Select(fields => new JsonObjectText([.. fields]))
            .Select(body => new GeneratedBody($"grammar {{{body.Keys}}}", new FuzzBody(body.Bytes())));

    public static Gen<GeneratedBody> Mutated =>
        ValidObject.SelectMany(valid => Gen.Choose(0, 2).Zip(Gen.Choose(0, 2)).SelectMany(steps =>
            BodyMutations.Apply(valid, steps.Item1, steps.Item1 + steps.Item2 == 0 ? 1 : steps.Item2)
                .Select(m => new GeneratedBody($"mutated {{{valid.Keys}}}: {m.Recipe}", new FuzzBody(m.Bytes)))));

    /// <summary>Valid objects unchanged: the requests that must succeed.</summary>
    public static Gen<GeneratedBody> Valid =>
        ValidObject.Select(body => new GeneratedBody($"valid {{{body.Keys}}}", new FuzzBody(body.Bytes())));

    public static Gen<GeneratedBody> NotAnObject =>
        JsonFragments.Any.Select(json => new GeneratedBody("root is not an object", FuzzBody.Text(json)));

    public static Gen<GeneratedBody> NotJson => Gen.OneOf(
        Gen.Elements("prompt=a+cat&n=1", "<prompt>cat</prompt>", "{'prompt':'x'}", "{\"prompt\":\"x\",}", "{\"prompt\":\"x\"} {}",
                "{/*c*/\"prompt\":\"x\"}", "{\"prompt\":\"x\"", "\"prompt\":\"x\"}", "{prompt:\"x\"}", " ", "\r\n", "{}}", "{\"prompt\":\"x\"}\u0000")
            .Select(text => new GeneratedBody("not JSON", FuzzBody.Text(text))),
        Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)).Select(bytes => new GeneratedBody("random bytes", new FuzzBody(bytes))),
        Gen.Elements(BodyMutations.InvalidUtf8).Select(bad => new GeneratedBody("prompt not UTF-8",
            new FuzzBody([.. "{\"prompt\":\"a "u8, .. bad, .. "\"}"u8]))),
        Gen.Elements(BodyMutations.InvalidUtf8).Select(bad => new GeneratedBody("key not UTF-8",
            new FuzzBody([.. "{\"prompt\":\"a\",\""u8, .. bad, .. "\":1}"u8]))),
        Gen.Constant(new GeneratedBody("UTF-8 BOM then a valid object", new FuzzBody([0xEF, 0xBB, 0xBF, .. "{\"prompt\":\"a red fox\"}"u8]))),
        Gen.Constant(new GeneratedBody("UTF-16 body", new FuzzBody(Encoding.Unicode.GetBytes("{\"prompt\":\"a red fox\"}")))),
        Gen.Constant(new GeneratedBody("empty body", new FuzzBody([]))),
        Gen.Constant(new GeneratedBody("no body", null)));

    public static Gen<GeneratedBody> Deep => JsonFragments.DeepNesting.SelectMany(deep => Gen.Elements(
        new GeneratedBody("deep root", FuzzBody.Text(deep)),
        new GeneratedBody("deep field value", FuzzBody.Text("{\"prompt\":\"x\",\"n\":" + deep + "}")),
        new GeneratedBody("deep prompt", FuzzBody.Text("{\"prompt\":" + deep + "}"))));

    /// <summary>Sizes on both sides of the 1 MiB limit, padding that keeps a body valid, and bodies past Kestrel's 30 MB.</summary>
    public static Gen<GeneratedBody> Huge => Gen.Frequency(
        (4, Gen.Choose(MaxBodyBytes - 64, 3 * MaxBodyBytes).Select(size => new GeneratedBody($"prompt of {size} bytes",
            new FuzzBody("{\"prompt\":\""u8.ToArray(), size, (byte)'a', "\"}"u8.ToArray())))),
        (3, Gen.Elements(-1, 0, 1, 1000).Select(delta =>
        {
            var json = "{\"prompt\":\"a red fox\"}"u8.ToArray();
            var padding = MaxBodyBytes + delta - json.Length;
            return new GeneratedBody($"valid object padded to {MaxBodyBytes + delta} bytes", new FuzzBody(json, padding, (byte)' '));
        })),
        (1, Gen.Constant(new GeneratedBody("31 MB prompt", new FuzzBody("{\"prompt\":\""u8.ToArray(), 31_000_000, (byte)'a', "\"}"u8.ToArray())))))
        .SelectMany(body => Gen.Elements(false, false, true).Select(chunked =>
            chunked ? body with { Recipe = body.Recipe + ", chunked", Body = body.Body! with { Chunked = true } } : body));

    public static Gen<GeneratedBody> Any => Gen.Frequency(
        (6, Grammar), (6, Mutated), (3, Valid), (1, NotAnObject), (2, NotJson), (1, Deep), (1, Huge));
}
