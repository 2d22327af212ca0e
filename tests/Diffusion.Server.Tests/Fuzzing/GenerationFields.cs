using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// The grammar of one field of a generation body (<c>POST /v1/images/generations</c> and
/// <c>/v1/jobs</c>): a value the API accepts, or any JSON value of any type. Keys are raw JSON
/// text, so an escaped spelling of a known name ("pr\u006fmpt") is a key too.
/// </summary>
public static class GenerationFields
{
    public static readonly string[] Names =
    [
        "prompt", "n", "size", "response_format", "user", "seed", "steps", "guidance_scale", "negative_prompt", "scheduler",
        "cache", "expand_prompt", "model", "quality", "style", "slo", "deadline_ms", "output_reuse",
    ];

    public static readonly string[] Prompts =
    [
        "a large cat in the center on a blue background", "a red fox", "two dogs to the left of a car", "three pizzas on a striped green background",
        "一只猫", "🐱 on a 🟦 background", "a cat\twith a tab", "  padded prompt  ", "a", "é", "\u202ereversed", "ﬁ ligature", "Ⅻ roman",
    ];

    public static readonly string[] UnknownNames =
    [
        "foo", "Prompt", "PROMPT", "negativePrompt", "num_inference_steps", "width", "height", "prompt ", " prompt", "", "__proto__",
        "constructor", "prompt\\u0000", "pr\\u006fmpt", "\\u006e", "\\ud800", "n\\u0000", "image", "response-format", "guidanceScale",
    ];

    private static readonly JsonSerializerOptions Raw = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Quote(string text) => JsonSerializer.Serialize(text, Raw);

    /// <summary>A value the API accepts for <paramref name="name"/> (null is accepted for every field but prompt).</summary>
    public static Gen<string> ValidValue(string name) => name switch
    {
        "prompt" => Gen.Elements(Prompts).Select(Quote),
        "n" => Gen.Choose(1, 4).Select(Text),
        "size" => Gen.Elements("\"64x64\"", "\"32x48\"", "null"),
        "response_format" => Gen.Elements("\"b64_json\"", "\"url\"", "null"),
        "user" => Gen.Elements("\"alice\"", "\"\"", "\"user-42\"", "\"ü\"", "null"),
        "seed" => Gen.Frequency((4, Gen.Choose(0, int.MaxValue).Select(Text)), (1, Gen.Elements("0", "9007199254740988", "1e3", "7.0", "null"))),
        "steps" => Gen.Frequency((6, Gen.Choose(1, 12).Select(Text)), (1, Gen.Elements("150", "1.0", "2e1", "null"))),
        "guidance_scale" => Gen.Frequency((3, Gen.Choose(0, 300).Select(i => (i / 10.0).ToString(CultureInfo.InvariantCulture))),
            (1, Gen.Elements("0", "30", "7.5", "1e1", "-0", "null"))),
        "negative_prompt" => Gen.Elements("\"blurry\"", "\"\"", "\" \"", "\"ugly, deformed\"", "null"),
        "scheduler" => Gen.Elements("\"ddim\"", "\"euler\"", "\"dpm++2m\"", "\"DDIM\"", "\"Euler\"", "null"),
        "cache" => Gen.Elements("\"auto\"", "\"off\"", "\"refresh\"", "null"),
        "expand_prompt" => Gen.Elements("true", "false", "null"),
        "model" => Gen.Elements("\"test-model\"", "null"),
        "quality" => Gen.Elements("\"standard\"", "\"hd\"", "\"\"", "null"),
        "style" => Gen.Elements("\"vivid\"", "\"natural\"", "null"),
        "slo" => Gen.Elements("\"interactive\"", "\"batch\"", "null"),
        "deadline_ms" => Gen.Frequency((3, Gen.Choose(1, 60_000).Select(Text)), (1, Gen.Elements("3600000", "1e3", "null"))),
        "output_reuse" => Gen.Frequency((3, Gen.Choose(0, 100).Select(i => (i / 10.0).ToString(CultureInfo.InvariantCulture))),
            (1, Gen.Elements("0", "0.2", "10", "1e-1", "-0", "null"))),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a generation field"),
    };

    /// <summary>Mostly a valid value, otherwise any JSON value: a wrong type, an edge number, a bad string.</summary>
    public static Gen<string> AnyValue(string name) => Gen.Frequency((3, ValidValue(name)), (2, JsonFragments.Any));

    public static Gen<string> UnknownName => Gen.Frequency(
        (6, Gen.Elements(UnknownNames)),
        (1, Gen.Choose(100, 5000).Select(n => new string('k', n))));

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
