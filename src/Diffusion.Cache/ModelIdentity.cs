using System.Security.Cryptography;
using System.Text.Json;
using Diffusion.Inference.Models;

namespace Diffusion.Cache;

/// <summary>
/// A short id for a model folder, stored with every cache entry: latents are only reused by the same
/// model. Name from model_index.json plus a hash of the denoiser, text encoder and scheduler files (their
/// length and first and last MiB, so a multi-GB export hashes in milliseconds).
/// </summary>
public static class ModelIdentity
{
    private const int SampleBytes = 1 << 20;

    public static string Of(ModelFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var name = ReadName(folder) ?? new DirectoryInfo(folder.Root).Name;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var path in new[] { folder.DenoiserPath, folder.TextEncoderPath, folder.SchedulerConfigPath })
        {
            AppendSample(hash, path);
        }
        var digest = Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
        return $"{Sanitize(name)}@{digest}";
    }

    private static string? ReadName(ModelFolder folder)
    {
        var index = Path.Combine(folder.Root, "model_index.json");
        if (!File.Exists(index))
        {
            return null;
        }
        using var doc = JsonDocument.Parse(File.ReadAllBytes(index));
        return doc.RootElement.TryGetProperty("_name_or_path", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()
            : null;
    }

    private static void AppendSample(IncrementalHash hash, string path)
    {
        using var file = File.OpenRead(path);
        var length = file.Length;
        hash.AppendData(BitConverter.GetBytes(length));
        var buffer = new byte[(int)Math.Min(length, SampleBytes)];
        file.ReadExactly(buffer);
        hash.AppendData(buffer);
        if (length > SampleBytes)
        {
            file.Seek(-Math.Min(length - SampleBytes, SampleBytes), SeekOrigin.End);
            var tail = new byte[(int)Math.Min(length - SampleBytes, SampleBytes)];
            file.ReadExactly(tail);
            hash.AppendData(tail);
        }
    }

    private static string Sanitize(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray();
        var text = new string(chars).Trim('-');
        return text.Length == 0 ? "model" : text.Length > 48 ? text[..48] : text;
    }
}
