namespace Diffusion.CacheStore;

/// <summary>Pixel size of the generated image; cached latents are only reused at the same size.</summary>
public readonly record struct ImageSize(int Width, int Height)
{
    public override string ToString() => $"{Width}x{Height}";
}
