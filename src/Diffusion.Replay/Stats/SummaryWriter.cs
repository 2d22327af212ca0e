using System.Text.Json;
using Diffusion.CacheStore;

namespace Diffusion.Replay.Stats;

/// <summary>Writes summary.json whole or not at all: through <see cref="AtomicFile"/>.</summary>
public static class SummaryWriter
{
    public static Task WriteAsync(string path, ReplaySummary summary, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(path, (stream, ct) => JsonSerializer.SerializeAsync(stream, summary, ReplayJson.Indented, ct), cancellationToken);
}
