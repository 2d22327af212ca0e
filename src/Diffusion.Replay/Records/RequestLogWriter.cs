using System.Text;
using System.Text.Json;

namespace Diffusion.Replay.Records;

/// <summary>
/// Appends <see cref="RequestRecord"/>s to a JSONL file as requests finish, one line each, flushed
/// at once: a replay that dies part-way leaves every answer it had already received.
/// Safe to call from concurrent requests.
/// </summary>
public sealed class RequestLogWriter : IDisposable
{
    private readonly Lock gate = new();
    private readonly FileStream stream;
    private readonly StreamWriter writer;

    public RequestLogWriter(string path)
    {
        Path = path;
        // CreateNew: a replay never overwrites the log of another one.
        stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
    }

    public string Path { get; }

    public int Count { get; private set; }

    public void Append(RequestRecord record)
    {
        var line = JsonSerializer.Serialize(record, ReplayJson.Lines);
        lock (gate)
        {
            writer.WriteLine(line);
            writer.Flush();
            Count++;
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            writer.Flush();
            stream.Flush(flushToDisk: true);
            writer.Dispose();
        }
    }
}
