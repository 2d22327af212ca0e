using System.Text.Json;

namespace Diffusion.Replay.Stats;

/// <summary>Writes summary.json whole or not at all: to a temporary file, flushed, then renamed.</summary>
public static class SummaryWriter
{
    public static async Task WriteAsync(string path, ReplaySummary summary, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await JsonSerializer.SerializeAsync(stream, summary, ReplayJson.Indented, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
