using System.Text.Json;

namespace Diffusion.Replay.Records;

/// <summary>Reads a requests.jsonl back; the replay uses it to prove that every sent request has its line.</summary>
public static class RequestLogReader
{
    public static async Task<IReadOnlyList<RequestRecord>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var records = new List<RequestRecord>();
        var number = 0;
        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            number++;
            if (line.Length == 0) continue;
            try
            {
                records.Add(JsonSerializer.Deserialize<RequestRecord>(line, ReplayJson.Lines)
                            ?? throw new InvalidDataException($"{path}:{number}: null instead of a request record"));
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path}:{number}: not a request record: {ex.Message}", ex);
            }
        }
        return records;
    }
}
