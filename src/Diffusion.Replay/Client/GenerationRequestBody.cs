using System.Text.Json.Nodes;

namespace Diffusion.Replay.Client;

/// <summary>
/// The body of <c>POST /v1/images/generations</c> for one trace record. Images come back as URLs so
/// answers stay small; seed, user and steps are sent only when known, cache only when it is off.
/// </summary>
public sealed record GenerationRequestBody(string Prompt, string? User, long? Seed, int? Steps, bool CacheOff)
{
    public string CacheMode => CacheOff ? "off" : "auto";

    public string ToJson()
    {
        var body = new JsonObject
        {
            ["prompt"] = Prompt,
            ["response_format"] = "url",
        };
        if (User is not null) body["user"] = User;
        if (Seed is { } seed) body["seed"] = seed;
        if (Steps is { } steps) body["steps"] = steps;
        if (CacheOff) body["cache"] = "off";
        return body.ToJsonString();
    }
}
