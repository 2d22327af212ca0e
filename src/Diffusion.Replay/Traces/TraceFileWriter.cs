using System.Globalization;
using System.Text;
using System.Text.Json;
using Diffusion.CacheStore;

namespace Diffusion.Replay.Traces;

/// <summary>
/// Writes a trace as TSV or JSONL (see <see cref="TraceFileFormat"/>). The file appears complete or
/// not at all: it is written beside the target and renamed over it.
/// </summary>
public static class TraceFileWriter
{
    public static async Task WriteAsync(string path, IEnumerable<TraceRequest> requests, CancellationToken cancellationToken)
    {
        var format = TraceFileFormats.FromPath(path);
        await AtomicFile.WriteAsync(path, async (stream, ct) =>
        {
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), bufferSize: 1 << 16, leaveOpen: true) { NewLine = "\n" };
            if (format == TraceFileFormat.Tsv)
            {
                await writer.WriteLineAsync("prompt\ttimestamp\tuser\tseed".AsMemory(), ct);
            }

            foreach (var request in requests)
            {
                ct.ThrowIfCancellationRequested();
                var line = format == TraceFileFormat.Tsv ? TsvLine(request) : JsonLine(request);
                await writer.WriteLineAsync(line.AsMemory(), ct);
            }

            await writer.FlushAsync(ct);
        }, cancellationToken);
    }

    public static string TsvLine(TraceRequest request)
    {
        if (request.Prompt.Contains('\t') || request.Prompt.Contains('\n') || request.Prompt.Contains('\r'))
        {
            throw new ArgumentException($"Request {request.Index}: a TSV prompt cannot hold tabs or line breaks.", nameof(request));
        }

        return string.Join('\t', request.Prompt, Seconds(request.At), request.User, request.Seed.ToString(CultureInfo.InvariantCulture));
    }

    public static string JsonLine(TraceRequest request)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("prompt", request.Prompt);
            json.WriteNumber("timestamp", Math.Round(request.At.TotalSeconds, 3));
            json.WriteString("user", request.User);
            json.WriteNumber("seed", request.Seed);
            json.WriteString("kind", TraceFileFormats.KindName(request.Kind));
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Seconds(TimeSpan at) => Math.Round(at.TotalSeconds, 3).ToString("0.###", CultureInfo.InvariantCulture);
}
