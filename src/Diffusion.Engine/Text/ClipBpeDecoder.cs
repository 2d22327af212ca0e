using System.Text;

namespace Diffusion.Engine.Text;

/// <summary>
/// Token ids back to text: id → token string, <c>&lt;/w&gt;</c> → a space, characters → bytes through
/// the reversed byte map, UTF-8 decode. Start/end-of-text are skipped.
/// </summary>
internal sealed class ClipBpeDecoder(ClipBpeVocabulary vocabulary)
{
    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length * 4);
        foreach (int id in ids)
        {
            if (id == vocabulary.StartId || id == vocabulary.EndId)
            {
                continue;
            }

            string token = (uint)id < (uint)vocabulary.Decoder.Length ? vocabulary.Decoder[id]
                ?? throw new ArgumentException($"token id {id} is not in the vocabulary")
                : throw new ArgumentException($"token id {id} is not in the vocabulary");
            bool endOfWord = token.EndsWith(ClipBpeVocabulary.EndOfWord, StringComparison.Ordinal);
            string body = endOfWord ? token[..^ClipBpeVocabulary.EndOfWord.Length] : token;
            foreach (char c in body)
            {
                bytes.Add(ClipByteMap.CharToByte.TryGetValue(c, out byte b)
                    ? b
                    : throw new InvalidDataException($"token '{token}' holds a character outside the byte map"));
            }

            if (endOfWord)
            {
                bytes.Add((byte)' ');
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray()).Trim();
    }
}
