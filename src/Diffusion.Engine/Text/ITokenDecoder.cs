namespace Diffusion.Engine.Text;

/// <summary>Turns generated token ids into text (for stop sequences and streaming).</summary>
public interface ITokenDecoder
{
    string Decode(ReadOnlySpan<int> ids);
}
