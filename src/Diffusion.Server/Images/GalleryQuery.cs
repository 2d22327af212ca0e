using Diffusion.CacheStore;

namespace Diffusion.Server.Images;

/// <summary>
/// A gallery listing of <paramref name="Tenant"/>'s images: newest first, optionally only images whose prompt or revised prompt contains
/// <paramref name="Text"/> (case-insensitive), created in [<paramref name="Since"/>, <paramref name="Until"/>),
/// and with the given cache outcome.
/// </summary>
public sealed record GalleryQuery(
    TenantId Tenant = default,
    string? Text = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    bool? CacheHit = null,
    int Offset = 0,
    int Limit = 50)
{
    public const int MaxLimit = 500;

    public bool Matches(ImageRecord record)
    {
        if (record.Metadata.Owner != Tenant) return false;
        if (Since is { } since && record.Created < since) return false;
        if (Until is { } until && record.Created >= until) return false;
        if (CacheHit is { } hit && record.Metadata.Cache.Hit != hit) return false;
        if (string.IsNullOrEmpty(Text)) return true;
        return record.Metadata.Prompt.Contains(Text, StringComparison.OrdinalIgnoreCase)
               || (record.Metadata.RevisedPrompt?.Contains(Text, StringComparison.OrdinalIgnoreCase) ?? false);
    }
}

/// <summary>One page of a gallery listing; <paramref name="Total"/> counts every match.</summary>
public sealed record GalleryPage(IReadOnlyList<ImageRecord> Items, int Total);
