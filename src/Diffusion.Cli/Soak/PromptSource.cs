using System.Text.Json;
using Diffusion.Cache;
using Diffusion.Evaluation.World;
using Diffusion.Lab.Traces;

namespace Diffusion.Cli.Soak;

/// <summary>One request's prompt, user and seed.</summary>
public sealed record SoakPrompt(string Prompt, string? User, long Seed)
{
    public string Tenant => CacheTenants.FromUser(User).Value;
}

/// <summary>
/// Prompts in the model's grammar, in an order with the repeats and small edits of real logs (so the
/// cache hits, and planted corrupt latents can be served): the cache trace generator over the model's
/// world file, a few users; a model without a world file gets the held-out prompts of models/eval.
/// Thread-safe; cycles when it runs out.
/// </summary>
public sealed class PromptSource
{
    private const int TraceLength = 20_000;
    private const int Users = 4;
    private readonly SoakPrompt[] prompts;
    private int next = -1;

    private PromptSource(SoakPrompt[] prompts) => this.prompts = prompts;

    public int Count => prompts.Length;

    public string Origin { get; private init; } = "";

    public static PromptSource Load(string modelsDirectory, int seed)
    {
        var world = Path.Combine(modelsDirectory, "world.json");
        if (File.Exists(world))
        {
            var generator = new TraceGenerator(EmojiWorld.Load(world), TraceParameters.Default,
                new TraceOptions { Count = TraceLength, Seed = seed, Users = Users });
            var trace = generator.Generate().Select(r => new SoakPrompt(r.Prompt, r.User, r.Seed)).ToArray();
            return new PromptSource(trace) { Origin = $"trace generator over {world} ({Users} users)" };
        }
        var heldOut = Path.Combine(modelsDirectory, "eval", "heldout.jsonl");
        if (!File.Exists(heldOut))
            throw new FileNotFoundException($"no prompts for the soak: {modelsDirectory} has neither world.json nor eval/heldout.jsonl");
        var random = new Random(seed);
        var lines = File.ReadLines(heldOut)
            .Where(line => line.Trim().Length > 0)
            .Select(PromptOf)
            .ToArray();
        // Held-out prompts are all different: repeat a popular few so the cache has something to hit.
        var mixed = Enumerable.Range(0, TraceLength)
            .Select(i => new SoakPrompt(lines[random.NextDouble() < 0.5 ? random.Next(Math.Min(20, lines.Length)) : random.Next(lines.Length)],
                null, random.Next()))
            .ToArray();
        return new PromptSource(mixed) { Origin = heldOut };
    }

    private static string PromptOf(string line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.GetProperty("prompt").GetString()!;
    }

    public SoakPrompt Next() => prompts[(int)((uint)Interlocked.Increment(ref next) % (uint)prompts.Length)];

    /// <summary>The body of a generation or job request: 50 steps, images as URLs so answers stay small.</summary>
    public static string Body(SoakPrompt prompt)
    {
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["prompt"] = prompt.Prompt,
            ["seed"] = prompt.Seed,
            ["steps"] = 50,
            ["response_format"] = "url",
        };
        if (prompt.User is not null) body["user"] = prompt.User;
        return body.ToJsonString();
    }
}
