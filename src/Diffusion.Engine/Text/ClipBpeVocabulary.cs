using System.Text.Json;

namespace Diffusion.Engine.Text;

/// <summary>A CLIP-format tokenizer folder: vocab.json (token → id) and merges.txt (ranked pairs).</summary>
internal sealed class ClipBpeVocabulary
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";
    public const string EndOfWord = "</w>";

    private ClipBpeVocabulary(Dictionary<string, int> encoder, Dictionary<(string, string), int> ranks)
    {
        Encoder = encoder;
        Ranks = ranks;
        Decoder = new string[encoder.Values.Max() + 1];
        foreach ((string token, int id) in encoder)
        {
            Decoder[id] = token;
        }

        StartId = Id(StartOfText);
        EndId = Id(EndOfText);
    }

    public Dictionary<string, int> Encoder { get; }

    public string?[] Decoder { get; }

    public Dictionary<(string, string), int> Ranks { get; }

    public int StartId { get; }

    public int EndId { get; }

    public static ClipBpeVocabulary Load(string directory)
    {
        string vocabPath = Path.Combine(directory, "vocab.json");
        string mergesPath = Path.Combine(directory, "merges.txt");
        if (!File.Exists(vocabPath) || !File.Exists(mergesPath))
        {
            throw new FileNotFoundException($"{directory} must hold vocab.json and merges.txt");
        }

        Dictionary<string, int> encoder;
        try
        {
            encoder = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath))
                ?? throw new InvalidDataException($"{vocabPath}: empty vocabulary");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{vocabPath}: not a token → id JSON object ({e.Message})", e);
        }

        if (encoder.Values.Any(id => id < 0))
        {
            throw new InvalidDataException($"{vocabPath}: negative token id");
        }

        var ranks = new Dictionary<(string, string), int>();
        int rank = 0;
        foreach (string line in File.ReadLines(mergesPath))
        {
            if (line.StartsWith("#version", StringComparison.Ordinal) || line.Trim().Length == 0)
            {
                continue;
            }

            string[] pair = line.Split(' ');
            if (pair.Length != 2)
            {
                throw new InvalidDataException($"{mergesPath}: line '{line}' is not a pair of symbols");
            }

            ranks.TryAdd((pair[0], pair[1]), rank++);
        }

        return new ClipBpeVocabulary(encoder, ranks);
    }

    private int Id(string token) =>
        Encoder.TryGetValue(token, out int id) ? id : throw new InvalidDataException($"the vocabulary lacks {token}");
}
