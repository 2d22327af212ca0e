namespace Diffusion.Cli.Soak;

/// <summary>One latent damaged on purpose, and a line that says how.</summary>
public sealed record Corruption(CorruptedLatent Latent, string Detail);

/// <summary>
/// Damages one stored latent in place, the way a bad disk or a torn copy would: flips bytes in it, or
/// cuts it short. Returns what it damaged, or null when there was nothing to damage (or no way to reach it).
/// </summary>
public interface ILatentCorruptor
{
    string Store { get; }

    Task<Corruption?> CorruptAsync(bool truncate, Random random, SoakClock clock, CancellationToken cancellationToken);
}

/// <summary>The damage itself, shared by the file and Redis corruptors (both hold the .dlat bytes, see cache-store/FORMAT.md).</summary>
public static class LatentDamage
{
    /// <summary>Header length at offset 8 (int32); the payload follows it and an 8-byte CRC-64 ends the file.</summary>
    public static int HeaderLength(ReadOnlySpan<byte> blob) =>
        blob.Length >= 12 ? BitConverter.ToInt32(blob[8..12]) : 0;

    /// <summary>Flips 4 bytes inside the payload (inside the header when the file is too short to have one).</summary>
    public static (byte[] Bytes, string What) Flip(byte[] blob, Random random)
    {
        var copy = (byte[])blob.Clone();
        var header = HeaderLength(copy);
        var from = header > 0 && header < copy.Length - 12 ? header : 0;
        var to = Math.Max(from + 1, copy.Length - 12);
        var at = random.Next(from, to);
        for (var i = at; i < Math.Min(copy.Length, at + 4); i++) copy[i] ^= 0xFF;
        return (copy, $"flipped 4 bytes at offset {at} of {copy.Length}");
    }

    /// <summary>Keeps the first half.</summary>
    public static (byte[] Bytes, string What) Truncate(byte[] blob) =>
        (blob[..(blob.Length / 2)], $"truncated from {blob.Length} to {blob.Length / 2} bytes");

    /// <summary>Reads "{entry id}.k{K}.dlat"; false for any other name.</summary>
    public static bool TryParseFileName(string name, out string entryId, out int k)
    {
        entryId = "";
        k = 0;
        if (!name.EndsWith(".dlat", StringComparison.Ordinal)) return false;
        var parts = name[..^".dlat".Length].Split('.');
        if (parts.Length != 2 || parts[0].Length != 16 || !parts[1].StartsWith('k')) return false;
        entryId = parts[0];
        return int.TryParse(parts[1].AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out k) && k > 0;
    }
}

/// <summary>Damages latent files under {data-dir}/cache/latents/{tenant}/{entry}.k{K}.dlat in place.</summary>
public sealed class FileLatentCorruptor(string latentsDirectory) : ILatentCorruptor
{
    public string Store => "files";

    public Task<Corruption?> CorruptAsync(bool truncate, Random random, SoakClock clock, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(latentsDirectory)) return Task.FromResult<Corruption?>(null);
        var files = Directory.EnumerateFiles(latentsDirectory, "*.dlat", SearchOption.AllDirectories).ToArray();
        // A few tries: the store may evict or discard the file picked before it is opened.
        for (var attempt = 0; attempt < 5 && files.Length > 0; attempt++)
        {
            var path = files[random.Next(files.Length)];
            if (!LatentDamage.TryParseFileName(Path.GetFileName(path), out var entry, out var k)) continue;
            var tenant = Path.GetFileName(Path.GetDirectoryName(path)!);
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
                var blob = new byte[stream.Length];
                stream.ReadExactly(blob);
                string what;
                if (truncate)
                {
                    (_, what) = LatentDamage.Truncate(blob);
                    stream.SetLength(blob.Length / 2);
                }
                else
                {
                    (var damaged, what) = LatentDamage.Flip(blob, random);
                    stream.Position = 0;
                    stream.Write(damaged);
                }
                stream.Flush(flushToDisk: true);
                var latent = new CorruptedLatent(tenant, entry, k, clock.Seconds, truncate ? FaultKinds.TruncateLatent : FaultKinds.CorruptLatent, Store);
                return Task.FromResult<Corruption?>(new Corruption(latent, $"{tenant}/{entry}.k{k}.dlat: {what}"));
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                // evicted meanwhile: pick another
            }
        }
        return Task.FromResult<Corruption?>(null);
    }
}
