using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Diffusion.Inference.Tokenization;

namespace Diffusion.Inference.Tests.Tokenization;

/// <summary>
/// The shipped tokenizer's ids (<c>models/tokenizer</c>) on non-ASCII text: up to 500 real prompts with a non-ASCII
/// character from ../shared/data/prompts (every one with a combining mark or variation selector, then the others taken
/// in turn from each file) and hand-written strings that stress Unicode normalisation (decomposed accents, Hangul jamo,
/// composition exclusions, singletons, fullwidth forms, ligatures, emoji sequences, Greek, Cyrillic, Arabic...).
/// tests/fixtures/clip-tokens/non-ascii-golden.json holds the texts and ids as the tokenizer gave them when the file
/// was made; a change to text cleaning (NFC, HTML unescaping, white space, lower-casing) must keep them identical, or
/// the shipped text encoder reads different tokens than it was trained on. The file was made with the project's former
/// hand-written NFC normaliser (tables from Python's unicodedata); ICU's NFC, used since, gives the same ids on every text.
/// Remake the file only on purpose, with ../shared beside the repository:
/// DIFFUSION_WRITE_CLIP_GOLDEN=1 dotnet test --filter ClipNonAsciiGolden (DIFFUSION_PROMPTS_DIR names another folder).
/// </summary>
public sealed class ClipNonAsciiGoldenTests
{
    private const int MaxPrompts = 500;

    private static readonly string GoldenPath = Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "clip-tokens", "non-ascii-golden.json");

    private static readonly string PromptsDir = Environment.GetEnvironmentVariable("DIFFUSION_PROMPTS_DIR")
        ?? Path.GetFullPath(Path.Combine(TestPaths.RepoRoot, "..", "shared", "data", "prompts"));

    private static readonly ClipTokenizer Tokenizer = ClipTokenizer.Load(Path.Combine(TestPaths.OwnModels, "tokenizer"));

    /// <summary>Hand-written strings; each is in the golden file with the source "stress".</summary>
    internal static readonly string[] Stress =
    [
        "café crème brûlée", "cafe\u0301 crème bru\u0302le\u0301e", "e\u0301\u0301 e\u0301\u0300 e\u0300\u0301",
        "a\u0323\u0302 and a\u0302\u0323 (canonical order)", "\u1e9b\u0323 long s with dots", "A\u030angstro\u0308m na\u0131\u0308ve",
        "\u212b angstrom sign, \u2126 ohm sign, \u212a kelvin sign", "\u0340\u0341\u0343\u0344 greek combining singletons",
        "\u1100\u1161\u11a8 \u1112\u1161\u11ab\u1100\u1173\u11af decomposed hangul", "한글 고양이 precomposed hangul",
        "\uac00\u11a8 lv syllable plus trailing jamo", "\u3131\u314f compatibility jamo",
        "か\u3099 き\u3099 は\u309a kana with combining (han)dakuten", "ｶﾞｷﾞ halfwidth katakana", "ＡＢＣ　１２３　ｃａｔ fullwidth",
        "ﬁsh ﬂower ﬀ ligatures", "\uf900\uf901 \U0002f800 cjk compatibility ideographs", "\u0958\u0959 devanagari exclusions, \u0915\u093c composed",
        "\U0001d15e\U0001d15f musical symbol exclusions", "\U0001109a \U00011099\U000110ba kaithi", "\u0b47\u0b3e \u0bc6\u0bbe oriya and tamil two-part vowels",
        "👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 skin tone, ❤️‍🔥 heart on fire", "🧞\u200d♂️ zwj sequence \u200c zwnj",
        "Ελληνικά: ΟΔΥΣΣΕΥΣ φως, ά and α\u0301, \u0390 and \u03b9\u0308\u0301", "Москва зимой, и\u0306 and й, Ё and Е\u0308",
        "قطة على أريكة حمراء", "\u0627\u0653 \u0627\u0654 \u0648\u0654 arabic hamza above", "שָׁלוֹם hebrew points",
        "Tiê\u0301ng Viê\u0323t and Tiếng Việt", "İstanbul ß ǅ ﬃ Σ", "ภาษาไทย น̴̌̓ร̶̉̄", "ಠ_ರೃ", "[̲̅$̲̅(̲̅ ͡° ͜ʖ͡°̲̅)̲̅$̲̅]",
        "cafe&#x301; &eacute; &amp;eacute;", "\u00a0no-break\u2003em\u3000ideographic spaces\u2028line", "\u2000\u2001 en/em quad singletons",
        "x\u0301", "\u0301 leading combining acute", "\u00c5\u0301 and A\u030a\u0301",
    ];

    [Fact]
    public void The_shipped_tokenizer_keeps_its_ids_on_non_ascii_text()
    {
        if (Environment.GetEnvironmentVariable("DIFFUSION_WRITE_CLIP_GOLDEN") == "1")
        {
            var corpus = SelectPrompts(PromptsDir).Select(p => new GoldenCase(p.Source, p.Text, []))
                .Concat(Stress.Select(text => new GoldenCase("stress", text, [])));
            Write(corpus.Select(c => c with { Ids = Tokenizer.EncodeBody(c.Text).ToArray() }).ToList());
        }

        var golden = Read();
        Assert.True(golden.Count(c => c.Source != "stress") >= 400, $"only {golden.Count} texts");
        Assert.Equal(Stress, golden.Where(c => c.Source == "stress").Select(c => c.Text));
        var failures = new List<string>();
        foreach (var c in golden)
        {
            var actual = Tokenizer.EncodeBody(c.Text);
            if (!actual.SequenceEqual(c.Ids))
            {
                failures.Add($"{c.Source}: {JsonSerializer.Serialize(c.Text)}: [{string.Join(",", actual)}], golden [{string.Join(",", c.Ids)}]");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {golden.Count} differ:\n" + string.Join("\n", failures.Take(15)));
    }

    [Fact]
    public void The_golden_texts_are_what_the_selection_takes_from_the_shared_prompts()
    {
        if (!Directory.Exists(PromptsDir))
        {
            return; // a clone without ../shared: the golden file alone is the corpus
        }
        var expected = SelectPrompts(PromptsDir).Select(p => (p.Source, p.Text));
        Assert.Equal(expected, Read().Where(c => c.Source != "stress").Select(c => (c.Source, c.Text)));
    }

    /// <summary>
    /// A lone surrogate (which no JSON file can hold, so it is not in the golden file) stays as it is through cleaning,
    /// and what is around it is normalised, so its ids do not change either. Written in code, not as [InlineData]: an
    /// attribute stores its strings as UTF-8, where a lone surrogate does not survive (it arrives as three U+FFFD).
    /// </summary>
    [Fact]
    public void A_lone_surrogate_passes_through_cleaning_and_its_neighbours_are_normalised()
    {
        (string Text, string Cleaned)[] cases =
        [
            ("\ud800", "\ud800"), ("A \udfff B\u0301", "a \udfff b\u0301"),
            ("cafe\u0301\ud800e\u0301", "caf\u00e9\ud800\u00e9"), ("e\ud800\u0301", "e\ud800\u0301"),
            ("\udc00\ud800 CAFE\u0301 \ud83d", "\udc00\ud800 caf\u00e9 \ud83d"),
        ];
        foreach (var (text, cleaned) in cases)
        {
            Assert.Equal(cleaned, ClipTextCleaner.Clean(text));
            Assert.Equal(Tokenizer.EncodeBody(cleaned), Tokenizer.EncodeBody(text));
        }
    }

    /// <summary>
    /// Every distinct prompt with a character above U+007F, in file-name then line order: first all that hold a
    /// combining mark or variation selector (where normalisation matters most), then one from each file in turn, until
    /// <see cref="MaxPrompts"/>; written back in file then line order.
    /// </summary>
    internal static List<(string Source, string Text)> SelectPrompts(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"No prompt folder at {directory}; set DIFFUSION_PROMPTS_DIR.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var all = new List<(int File, int Line, string Source, string Text)>();
        var files = Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        for (var f = 0; f < files.Count; f++)
        {
            var line = 0;
            foreach (var text in ReadPrompts(Path.Combine(directory, files[f]!)))
            {
                line++;
                if (text.Any(ch => ch > '\u007f') && seen.Add(text))
                {
                    all.Add((f, line, files[f]!, text));
                }
            }
        }

        var chosen = all.Where(p => p.Text.Any(IsMark)).Take(MaxPrompts).ToHashSet();
        var queues = all.Where(p => !chosen.Contains(p)).GroupBy(p => p.File).Select(g => new Queue<(int, int, string, string)>(g)).ToList();
        while (chosen.Count < MaxPrompts && queues.Any(q => q.Count > 0))
        {
            foreach (var queue in queues.Where(q => q.Count > 0))
            {
                if (chosen.Count == MaxPrompts) break;
                chosen.Add(queue.Dequeue());
            }
        }
        return chosen.OrderBy(p => p.File).ThenBy(p => p.Line).Select(p => (p.Source, p.Text)).ToList();
    }

    private static bool IsMark(char ch) => CharUnicodeInfo.GetUnicodeCategory(ch)
        is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    /// <summary>The prompt texts of one file of ../shared/data/prompts, read as its SOURCES.md describes.</summary>
    private static IEnumerable<string> ReadPrompts(string path)
    {
        string[] columns = ["prompt", "Prompt", "text", "caption", "Prompts"];
        if (path.EndsWith(".jsonl", StringComparison.Ordinal))
        {
            foreach (var line in File.ReadLines(path).Where(l => l.Trim().Length > 0))
            {
                using var row = JsonDocument.Parse(line);
                // "prompt", and translations such as GenAI-Bench's "prompt in Chinese".
                foreach (var property in row.RootElement.EnumerateObject())
                {
                    if (property.Name.StartsWith("prompt", StringComparison.Ordinal) && property.Value.ValueKind == JsonValueKind.String
                        && property.Value.GetString()!.Trim() is { Length: > 0 } text)
                    {
                        yield return text;
                    }
                }
            }
            yield break;
        }
        var rows = path.EndsWith(".csv", StringComparison.Ordinal) ? ReadCsv(File.ReadAllText(path))
            : path.EndsWith(".tsv", StringComparison.Ordinal) ? File.ReadLines(path).Select(l => l.Split('\t')).ToList()
            : [];
        if (rows.Count == 0) yield break;
        var column = columns.Select(c => Array.IndexOf(rows[0], c)).FirstOrDefault(i => i >= 0, -1);
        if (column < 0) yield break;
        foreach (var row in rows.Skip(1))
        {
            if (column < row.Length && row[column].Trim() is { Length: > 0 } text)
            {
                yield return text;
            }
        }
    }

    /// <summary>RFC 4180: fields split on commas, double-quoted fields may hold commas, newlines and doubled quotes.</summary>
    private static List<string[]> ReadCsv(string content)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < content.Length; i++)
        {
            var ch = content[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < content.Length && content[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else field.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (ch == '\n' || ch == '\r')
            {
                if (ch == '\r' && i + 1 < content.Length && content[i + 1] == '\n') i++;
                row.Add(field.ToString()); field.Clear();
                rows.Add([.. row]); row.Clear();
            }
            else field.Append(ch);
        }
        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            rows.Add([.. row]);
        }
        return rows;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One case a line, so that a change shows as a one-line diff.</summary>
    private static void Write(List<GoldenCase> cases)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(GoldenPath)!);
        File.WriteAllText(GoldenPath, "[\n" + string.Join(",\n", cases.Select(c => JsonSerializer.Serialize(c, JsonOptions))) + "\n]\n");
    }

    private static List<GoldenCase> Read() => JsonSerializer.Deserialize<List<GoldenCase>>(File.ReadAllText(GoldenPath))!;

    public sealed record GoldenCase(string Source, string Text, int[] Ids);
}
