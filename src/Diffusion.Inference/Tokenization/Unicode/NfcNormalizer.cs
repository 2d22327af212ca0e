using System.Buffers;
using System.Collections.Frozen;
using System.Text;

namespace Diffusion.Inference.Tokenization.Unicode;

/// <summary>
/// Unicode NFC (canonical decomposition, canonical ordering, canonical composition) in managed code,
/// because the service runs with invariant globalization, where <see cref="string.Normalize()"/> does
/// nothing. Data comes from <see cref="NfcTables"/>; Hangul syllables are handled algorithmically.
/// Lone surrogates pass through unchanged.
/// </summary>
public static class NfcNormalizer
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly FrozenDictionary<int, (int First, int Second)> Decomposition;
    private static readonly FrozenDictionary<long, int> Composition;
    private static readonly int[] ClassStarts;

    static NfcNormalizer()
    {
        var decomposition = new Dictionary<int, (int, int)>();
        var composition = new Dictionary<long, int>();
        var table = NfcTables.Decompositions;
        for (var i = 0; i < table.Length; i += 4)
        {
            decomposition[table[i]] = (table[i + 1], table[i + 2]);
            if (table[i + 3] == 1)
            {
                composition[Key(table[i + 1], table[i + 2])] = table[i];
            }
        }
        Decomposition = decomposition.ToFrozenDictionary();
        Composition = composition.ToFrozenDictionary();
        var ranges = NfcTables.CombiningClassRanges;
        ClassStarts = new int[ranges.Length / 3];
        for (var i = 0; i < ClassStarts.Length; i++)
        {
            ClassStarts[i] = ranges[3 * i];
        }
    }

    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // Nothing below U+0300 combines or recomposes (checked by the table generator).
        if (!text.AsSpan().ContainsAnyInRange((char)0x300, char.MaxValue))
        {
            return text;
        }
        var points = new List<int>(text.Length);
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) == OperationStatus.Done)
            {
                Decompose(rune.Value, points);
                i += used;
            }
            else
            {
                points.Add(text[i]);
                i++;
            }
        }
        ReorderMarks(points);
        Compose(points);
        var builder = new StringBuilder(text.Length);
        foreach (var p in points)
        {
            if (Rune.IsValid(p))
            {
                builder.Append(new Rune(p));
            }
            else
            {
                builder.Append((char)p);
            }
        }
        return builder.ToString();
    }

    public static int CombiningClass(int codePoint)
    {
        var index = Array.BinarySearch(ClassStarts, codePoint);
        if (index < 0)
        {
            index = ~index - 1;
        }
        if (index < 0)
        {
            return 0;
        }
        var ranges = NfcTables.CombiningClassRanges;
        return codePoint <= ranges[3 * index + 1] ? ranges[3 * index + 2] : 0;
    }

    private static void Decompose(int codePoint, List<int> output)
    {
        var s = codePoint - SBase;
        if (s is >= 0 and < SCount)
        {
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0)
            {
                output.Add(TBase + s % TCount);
            }
            return;
        }
        if (Decomposition.TryGetValue(codePoint, out var parts))
        {
            Decompose(parts.First, output);
            if (parts.Second != 0)
            {
                Decompose(parts.Second, output);
            }
            return;
        }
        output.Add(codePoint);
    }

    /// <summary>Stable sort of each run of non-starters by combining class (canonical ordering).</summary>
    private static void ReorderMarks(List<int> points)
    {
        for (var i = 1; i < points.Count; i++)
        {
            var cls = CombiningClass(points[i]);
            if (cls == 0)
            {
                continue;
            }
            var j = i;
            while (j > 0 && CombiningClass(points[j - 1]) > cls)
            {
                (points[j - 1], points[j]) = (points[j], points[j - 1]);
                j--;
            }
        }
    }

    private static void Compose(List<int> points)
    {
        if (points.Count < 2)
        {
            return;
        }
        var starter = CombiningClass(points[0]) == 0 ? 0 : -1;
        var lastClass = starter == 0 ? 0 : 256;
        var write = 1;
        for (var read = 1; read < points.Count; read++)
        {
            var c = points[read];
            var cls = CombiningClass(c);
            // C composes with the last starter unless a character in between blocks it
            var adjacent = starter >= 0 && write - 1 == starter;
            if (starter >= 0 && (adjacent || (lastClass != 0 && lastClass < cls)) && TryCompose(points[starter], c, out var composite))
            {
                points[starter] = composite;
                continue;
            }
            if (cls == 0)
            {
                starter = write;
            }
            lastClass = cls;
            points[write++] = c;
        }
        points.RemoveRange(write, points.Count - write);
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        var l = first - LBase;
        if (l is >= 0 and < LCount)
        {
            var v = second - VBase;
            if (v is >= 0 and < VCount)
            {
                composite = SBase + (l * VCount + v) * TCount;
                return true;
            }
        }
        var s = first - SBase;
        if (s is >= 0 and < SCount && s % TCount == 0)
        {
            var t = second - TBase;
            if (t is > 0 and < TCount)
            {
                composite = first + t;
                return true;
            }
        }
        return Composition.TryGetValue(Key(first, second), out composite);
    }

    private static long Key(int first, int second) => ((long)first << 21) | (uint)second;
}
