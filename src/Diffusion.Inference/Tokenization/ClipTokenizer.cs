using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Diffusion.Inference.Tokenization;

/// <summary>
/// CLIP's tokenizer: CLIP text cleaning, CLIP's pre-tokenizer (<see cref="ClipPreTokenizer"/>), then
/// byte-level BPE with a <c>&lt;/w&gt;</c> end-of-word suffix done by Microsoft.ML.Tokenizers'
/// <see cref="BpeTokenizer"/>. Thread-safe after construction.
/// </summary>
public sealed class ClipTokenizer
{
    public const int ContextLength = 77;
    private const string EndOfWordSuffix = "</w>";

    private readonly BpeTokenizer _bpe;
    private readonly bool[] _endsWord;

    private ClipTokenizer(BpeTokenizer bpe, int startId, int endId, int padId)
    {
        _bpe = bpe;
        _endsWord = new bool[bpe.Vocabulary.Values.Max() + 1];
        foreach (var (token, id) in bpe.Vocabulary) _endsWord[id] = token.EndsWith(EndOfWordSuffix, StringComparison.Ordinal);
        StartOfTextId = startId;
        EndOfTextId = endId;
        PadId = padId;
    }

    public int StartOfTextId { get; }
    public int EndOfTextId { get; }
    public int PadId { get; }
    public int VocabularySize => _bpe.Vocabulary.Count;

    /// <summary>
    /// Loads <c>vocab.json</c> + <c>merges.txt</c> from a CLIP tokenizer folder. The pad token is
    /// <c>&lt;|endoftext|&gt;</c> unless <c>special_tokens_map.json</c> or <c>tokenizer_config.json</c> names another.
    /// </summary>
    public static ClipTokenizer Load(string folder)
    {
        var vocabPath = Path.Combine(folder, "vocab.json");
        var mergesPath = Path.Combine(folder, "merges.txt");
        foreach (var required in new[] { vocabPath, mergesPath })
        {
            if (!File.Exists(required))
            {
                throw new FileNotFoundException($"The CLIP tokenizer needs {Path.GetFileName(required)} in {folder}.", required);
            }
        }

        var bpe = BpeTokenizer.Create(new BpeOptions(vocabPath, mergesPath)
        {
            ByteLevel = true,
            EndOfWordSuffix = EndOfWordSuffix,
            // Cleaning and splitting are done here, CLIP's way; the library only merges.
            PreTokenizer = null,
            Normalizer = null,
        });

        var startId = RequireId(bpe, ClipPreTokenizer.StartOfText, folder);
        var endId = RequireId(bpe, ClipPreTokenizer.EndOfText, folder);
        var padToken = ReadPadToken(folder) ?? ClipPreTokenizer.EndOfText;
        var padId = RequireId(bpe, padToken, folder);
        return new ClipTokenizer(bpe, startId, endId, padId);
    }

    /// <summary>Tokenizes into exactly 77 ids. Never throws for any string; over-long prompts are truncated.</summary>
    public TokenizedPrompt Encode(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var body = EncodeBody(prompt);
        var tokenCount = body.Count + 2;
        var truncated = tokenCount > ContextLength;
        var keep = Math.Min(body.Count, ContextLength - 2);

        var ids = new int[ContextLength];
        ids[0] = StartOfTextId;
        for (var i = 0; i < keep; i++)
        {
            ids[i + 1] = body[i];
        }
        ids[keep + 1] = EndOfTextId;
        for (var i = keep + 2; i < ContextLength; i++)
        {
            ids[i] = PadId;
        }
        return new TokenizedPrompt(ids, truncated, tokenCount);
    }

    /// <summary>The BPE ids of a prompt without BOS/EOS or padding (all of them, no truncation).</summary>
    public List<int> EncodeBody(string prompt)
    {
        var text = ClipTextCleaner.Clean(prompt);
        var ids = new List<int>();
        foreach (var (offset, length) in ClipPreTokenizer.Split(text))
        {
            var piece = text.AsSpan(offset, length);
            if (piece.SequenceEqual(ClipPreTokenizer.StartOfText))
            {
                ids.Add(StartOfTextId);
            }
            else if (piece.SequenceEqual(ClipPreTokenizer.EndOfText))
            {
                ids.Add(EndOfTextId);
            }
            else
            {
                ids.AddRange(_bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false));
            }
        }
        return ids;
    }

    /// <summary>
    /// Token ids back to text, as CLIP's Python tokenizer does: start/end-of-text skipped, byte-level characters back to
    /// UTF-8, each end-of-word suffix a space, the ends trimmed. Throws <see cref="ArgumentException"/> for an id outside
    /// the vocabulary.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var kept = new List<int>(ids.Length);
        foreach (var id in ids)
        {
            if (id == StartOfTextId || id == EndOfTextId) continue;
            if ((uint)id >= (uint)_endsWord.Length) throw new ArgumentException($"token id {id} is not in the vocabulary");
            kept.Add(id);
        }
        // The library decodes the bytes but drops the end-of-word suffix; CLIP turns it into a space, so decode word by word.
        var text = new System.Text.StringBuilder();
        var word = new List<int>();
        foreach (var id in kept)
        {
            word.Add(id);
            if (!_endsWord[id]) continue;
            text.Append(_bpe.Decode(word)).Append(' ');
            word.Clear();
        }
        if (word.Count > 0) text.Append(_bpe.Decode(word));
        return text.ToString().Trim();
    }

    private static int RequireId(BpeTokenizer bpe, string token, string folder)
    {
        if (!bpe.Vocabulary.TryGetValue(token, out var id))
        {
            throw new InvalidDataException($"The tokenizer in {folder} has no id for {token} in vocab.json.");
        }
        return id;
    }

    private static string? ReadPadToken(string folder)
    {
        foreach (var name in new[] { "special_tokens_map.json", "tokenizer_config.json" })
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path))
            {
                continue;
            }
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.TryGetProperty("pad_token", out var pad))
            {
                // HF writes either "token" or {"content": "token", ...}.
                if (pad.ValueKind == JsonValueKind.String)
                {
                    return pad.GetString();
                }
                if (pad.ValueKind == JsonValueKind.Object && pad.TryGetProperty("content", out var content))
                {
                    return content.GetString();
                }
            }
        }
        return null;
    }
}
