namespace Diffusion.Engine.Text;

/// <summary>
/// CLIP/GPT-2's reversible map from the 256 byte values to printable characters: printable Latin-1
/// bytes map to themselves, the others to U+0100 onwards in byte order.
/// </summary>
internal static class ClipByteMap
{
    public static readonly char[] ByteToChar = Build();

    public static readonly IReadOnlyDictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    private static char[] Build()
    {
        var map = new char[256];
        var direct = new bool[256];
        foreach ((int from, int to) in new[] { ('!', '~'), ('¡', '¬'), ('®', 'ÿ') })
        {
            for (int b = from; b <= to; b++)
            {
                direct[b] = true;
                map[b] = (char)b;
            }
        }

        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            if (!direct[b])
            {
                map[b] = (char)next++;
            }
        }

        return map;
    }
}
