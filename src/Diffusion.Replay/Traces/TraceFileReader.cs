using System.Globalization;
using System.Text.Json;

namespace Diffusion.Replay.Traces;

/// <summary>
/// Reads a trace file (see <see cref="TraceFileFormat"/>). TSV columns are found by their header,
/// so the real logs of ../shared/data/prompts read too: <c>text</c> stands in for <c>prompt</c>, and
/// without a <c>user</c> column the Discord channel in <c>image_uri</c> is the user. A TSV without
/// a header row is taken as <c>prompt, timestamp, user, seed</c>.
/// </summary>
public static class TraceFileReader
{
    private static readonly string[] DefaultColumns = ["prompt", "timestamp", "user", "seed"];

    public static async Task<IReadOnlyList<TraceRecord>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var format = TraceFileFormats.FromPath(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The trace file '{path}' does not exist.", path);
        }

        var lines = await File.ReadAllLinesAsync(path, cancellationToken);
        return format == TraceFileFormat.Tsv ? ReadTsv(path, lines) : ReadJsonl(path, lines);
    }

    private static List<TraceRecord> ReadTsv(string path, string[] lines)
    {
        var records = new List<TraceRecord>();
        if (lines.Length == 0)
        {
            return records;
        }

        var first = lines[0].Split('\t');
        var hasHeader = first.Contains("prompt") || first.Contains("text");
        var columns = hasHeader ? first : DefaultColumns;
        var prompt = Array.IndexOf(columns, "prompt") is var p and >= 0 ? p : Array.IndexOf(columns, "text");
        var timestamp = Array.IndexOf(columns, "timestamp");
        var user = Array.IndexOf(columns, "user");
        var seed = Array.IndexOf(columns, "seed");
        var imageUri = Array.IndexOf(columns, "image_uri");
        for (var i = hasHeader ? 1 : 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var fields = lines[i].Split('\t');
            string? Field(int column) => column >= 0 && column < fields.Length && fields[column].Length > 0 ? fields[column] : null;
            var where = $"{path}:{i + 1}";
            records.Add(new TraceRecord(
                Field(prompt) ?? "",
                Field(timestamp) is { } t ? ParseDouble(t, where, "timestamp") : null,
                Field(user) ?? (Field(imageUri) is { } uri ? DiscordChannel(uri) : null),
                Field(seed) is { } s ? ParseLong(s, where) : null,
                null));
        }

        return records;
    }

    private static List<TraceRecord> ReadJsonl(string path, string[] lines)
    {
        var records = new List<TraceRecord>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var where = $"{path}:{i + 1}";
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(lines[i]);
            }
            catch (JsonException e)
            {
                throw new FormatException($"{where}: not a JSON object: {e.Message}", e);
            }

            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("prompt", out var prompt) || prompt.ValueKind != JsonValueKind.String)
                {
                    throw new FormatException($"{where}: every line needs a string \"prompt\".");
                }

                TraceRequestKind? kind = null;
                if (root.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String)
                {
                    kind = TraceFileFormats.ParseKind(k.GetString()!) ?? throw new FormatException($"{where}: unknown kind \"{k.GetString()}\".");
                }

                records.Add(new TraceRecord(
                    prompt.GetString()!,
                    OptionalNumber(root, "timestamp", where)?.GetDouble(),
                    root.TryGetProperty("user", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null,
                    OptionalNumber(root, "seed", where) is { } s ? (s.TryGetInt64(out var seed) ? seed : throw new FormatException($"{where}: \"seed\" must be an integer.")) : null,
                    kind));
            }
        }

        return records;
    }

    private static JsonElement? OptionalNumber(JsonElement root, string name, string where)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return e.ValueKind == JsonValueKind.Number ? e : throw new FormatException($"{where}: \"{name}\" must be a number.");
    }

    /// <summary>The channel id: the path segment after "attachments/" of a Discord CDN address.</summary>
    private static string? DiscordChannel(string uri)
    {
        const string marker = "attachments/";
        var at = uri.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = uri[(at + marker.Length)..];
        var slash = rest.IndexOf('/');
        return slash < 0 ? rest : rest[..slash];
    }

    private static double ParseDouble(string text, string where, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new FormatException($"{where}: \"{text}\" is not a valid {name}.");

    private static long ParseLong(string text, string where) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{where}: \"{text}\" is not a valid seed.");
}
