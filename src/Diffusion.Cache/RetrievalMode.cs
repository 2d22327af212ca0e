namespace Diffusion.Cache;

/// <summary>
/// What a new prompt's CLIP text embedding is compared with: the cached prompts' text embeddings
/// (NIRVANA's prompt→prompt) or the cached final images' CLIP image embeddings (prompt→image, as MoDM does).
/// </summary>
public enum RetrievalMode
{
    PromptToPrompt,
    PromptToImage,
}

public static class RetrievalModes
{
    public static IReadOnlyList<RetrievalMode> All { get; } = [RetrievalMode.PromptToPrompt, RetrievalMode.PromptToImage];

    /// <summary>The names used in options, k-table.json and on the command line.</summary>
    public static string ToName(this RetrievalMode mode) => mode switch
    {
        RetrievalMode.PromptToPrompt => "prompt-to-prompt",
        RetrievalMode.PromptToImage => "prompt-to-image",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown retrieval mode"),
    };

    public static bool TryParse(string? name, out RetrievalMode mode)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "prompt-to-prompt" or "p2p" or "prompt":
                mode = RetrievalMode.PromptToPrompt;
                return true;
            case "prompt-to-image" or "p2i" or "image":
                mode = RetrievalMode.PromptToImage;
                return true;
            default:
                mode = default;
                return false;
        }
    }

    public static RetrievalMode Parse(string name) => TryParse(name, out var mode)
        ? mode
        : throw new ArgumentException($"Unknown retrieval mode '{name}'; use prompt-to-prompt (p2p) or prompt-to-image (p2i).", nameof(name));
}
