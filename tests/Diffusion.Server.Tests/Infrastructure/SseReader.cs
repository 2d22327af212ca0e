using System.Text;

namespace Diffusion.Server.Tests.Infrastructure;

/// <summary>A minimal Server-Sent Events reader: yields comments and events as they arrive.</summary>
public sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader reader = new(stream, Encoding.UTF8);

    public sealed record Message(string? Comment, string? Event, string? Data);

    /// <summary>The next comment or event, or null at the end of the stream.</summary>
    public async Task<Message?> ReadAsync(CancellationToken cancellationToken)
    {
        string? type = null;
        StringBuilder? data = null;
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken);
            if (line is null) return type is null && data is null ? null : new Message(null, type, data?.ToString());
            if (line.Length == 0)
            {
                if (type is null && data is null) continue;
                return new Message(null, type ?? "message", data?.ToString());
            }
            if (line.StartsWith(':')) return new Message(line[1..].Trim(), null, null);
            if (line.StartsWith("event:", StringComparison.Ordinal)) type = line["event:".Length..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                if (data is null) data = new StringBuilder();
                else data.Append('\n');
                data.Append(line["data:".Length..].TrimStart());
            }
        }
    }

    /// <summary>The next event, skipping comments; null at the end of the stream.</summary>
    public async Task<Message?> ReadEventAsync(CancellationToken cancellationToken)
    {
        while (await ReadAsync(cancellationToken) is { } message)
        {
            if (message.Event is not null) return message;
        }
        return null;
    }

    public void Dispose() => reader.Dispose();
}
