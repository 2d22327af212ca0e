using System.Text.Json.Serialization;
using Diffusion.Server.Generation;

namespace Diffusion.Server.Api.Contracts;

/// <summary>
/// The answer of <c>POST /v1/images/generations</c>: OpenAI's <c>{created, data}</c> plus
/// <c>timings</c> (stage → seconds, summed over the images; "queue", "store" and "total" are the
/// server's own stages, the rest come from the generator).
/// </summary>
public sealed record ImagesResponse(long Created, IReadOnlyList<ImageData> Data, IReadOnlyDictionary<string, double> Timings);

/// <summary>One generated image: exactly one of <c>b64_json</c> or <c>url</c> is present.</summary>
public sealed record ImageData(
    string Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? B64Json,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url,
    string? RevisedPrompt,
    long Seed,
    CacheReport Cache)
{
    /// <summary>What the expansion guard did (expand_prompt on a model with a vocabulary).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ExpansionReport? Expansion { get; init; }

    /// <summary>Words of the prompt outside the model's vocabulary: ignored by the model, never replaced.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Warnings { get; init; }
}
