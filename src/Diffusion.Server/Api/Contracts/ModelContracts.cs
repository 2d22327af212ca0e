using System.Text.Json.Serialization;
using Diffusion.Inference.Vocabulary;

namespace Diffusion.Server.Api.Contracts;

/// <summary>OpenAI's model list: <c>{object:"list", data:[...]}</c>.</summary>
public sealed record ModelList(string Object, IReadOnlyList<ModelInfo> Data);

/// <summary>
/// OpenAI's model object (<c>id, object:"model", created, owned_by</c>) plus what a client needs to
/// build a valid request: sizes, schedulers, default and maximum steps.
/// </summary>
public sealed record ModelInfo(
    string Id,
    string Object,
    long Created,
    string OwnedBy,
    IReadOnlyList<string> Sizes,
    IReadOnlyList<string> Schedulers,
    int DefaultSteps,
    int MaxSteps)
{
    /// <summary>What a closed-world model draws; absent for an open-vocabulary model (a Stable Diffusion export).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public VocabularyInfo? Vocabulary { get; init; }
}

/// <summary>
/// The served model's world: the objects it draws (with plurals, synonyms and emoji), colours, textures,
/// sizes (height in pixels on an <paramref name="ImageSize"/>-pixel canvas), positions and relations as
/// prompts phrase them, and example prompts in its grammar.
/// </summary>
public sealed record VocabularyInfo(
    int ImageSize,
    IReadOnlyList<VocabularyObject> Objects,
    IReadOnlyList<VocabularyColour> Colours,
    IReadOnlyList<string> Textures,
    IReadOnlyList<VocabularySize> Sizes,
    IReadOnlyList<VocabularyPhrase> Positions,
    IReadOnlyList<VocabularyPhrase> Relations,
    IReadOnlyList<string> Examples);

/// <summary>A prompt read against the served model's vocabulary (GET /v1/prompts/check).</summary>
/// <param name="Objects">The objects it names, canonical names, in order.</param>
/// <param name="UnknownWords">Words the model was never trained on; it ignores them.</param>
/// <param name="Warning">A sentence for the user when there are unknown words; null otherwise.</param>
public sealed record PromptCheck(IReadOnlyList<string> Objects, IReadOnlyList<string> UnknownWords, string? Warning);
