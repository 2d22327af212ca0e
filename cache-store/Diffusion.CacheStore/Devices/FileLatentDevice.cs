using System.Globalization;
using System.Runtime.CompilerServices;

namespace Diffusion.CacheStore;

/// <summary>
/// Latent files on a local disk: <c>{root}/{tenant}/{entry id}.k{K}.dlat</c>. A write goes to a
/// temporary file in the same directory, is flushed, renamed over the final name, and the directory
/// is flushed, so a crash leaves either no file or a whole one under the final name.
/// </summary>
public sealed class FileLatentDevice : ILatentDevice
{
    public const string Extension = ".dlat";
    public const string TemporaryExtension = ".tmp";

    private readonly string _root;
    private readonly HashSet<string> _knownDirectories = new(StringComparer.Ordinal);
    private readonly Lock _directoriesGate = new();

    public FileLatentDevice(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        _root = Path.GetFullPath(rootDirectory);
        Directory.CreateDirectory(_root);
    }

    public string RootDirectory => _root;

    public bool IsShared => false;

    /// <summary>Test hook: runs after the temporary file is flushed and before the rename.</summary>
    internal Func<string, string, ValueTask>? BeforeRename { get; set; }

    public string PathOf(LatentKey key) =>
        Path.Combine(_root, key.Tenant.Value, $"{key.Id}.k{key.K.ToString(CultureInfo.InvariantCulture)}{Extension}");

    public async ValueTask WriteAsync(LatentKey key, ReadOnlyMemory<byte> blob, CancellationToken cancellationToken)
    {
        string finalPath = PathOf(key);
        string directory = Path.GetDirectoryName(finalPath)!;
        EnsureDirectory(directory);
        // The leading dot and the .tmp suffix keep temporaries out of ListAsync and let recovery find them.
        string temporaryPath = Path.Combine(directory, $".{Path.GetFileName(finalPath)}.{Guid.NewGuid():N}{TemporaryExtension}");
        bool renamed = false;
        try
        {
            using (var handle = File.OpenHandle(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, blob.Length))
            {
                await RandomAccess.WriteAsync(handle, blob, 0, cancellationToken).ConfigureAwait(false);
                RandomAccess.FlushToDisk(handle);
            }
            if (BeforeRename is { } hook)
            {
                await hook(temporaryPath, finalPath).ConfigureAwait(false);
            }
            File.Move(temporaryPath, finalPath, overwrite: true);
            renamed = true;
            DirectorySync.Flush(directory);
        }
        finally
        {
            if (!renamed)
            {
                TryDeleteTemporary(temporaryPath);
            }
        }
    }

    public async ValueTask<byte[]?> ReadAsync(LatentKey key, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(PathOf(key), cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    public ValueTask<bool> DeleteAsync(LatentKey key, CancellationToken cancellationToken)
    {
        string path = PathOf(key);
        if (!File.Exists(path))
        {
            return ValueTask.FromResult(false);
        }
        File.Delete(path);
        return ValueTask.FromResult(true);
    }

    public async IAsyncEnumerable<LatentKey> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (string tenantDirectory in Directory.EnumerateDirectories(_root))
        {
            if (!TenantId.TryParse(Path.GetFileName(tenantDirectory), out var tenant))
            {
                continue;
            }
            foreach (string file in Directory.EnumerateFiles(tenantDirectory, "*" + Extension))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (TryParseFileName(Path.GetFileName(file), tenant, out var key))
                {
                    yield return key;
                }
            }
        }
    }

    public ValueTask<int> RemoveLeftoversAsync(CancellationToken cancellationToken)
    {
        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(_root, "*" + TemporaryExtension, SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            File.Delete(file);
            removed++;
        }
        return ValueTask.FromResult(removed);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static bool TryParseFileName(string name, TenantId tenant, out LatentKey key)
    {
        key = default;
        // "{16 hex}.k{K}.dlat"
        string stem = name[..^Extension.Length];
        int dot = stem.IndexOf(".k", StringComparison.Ordinal);
        if (dot != 16 || !CacheEntryId.TryParse(stem[..dot], out var id)
            || !int.TryParse(stem[(dot + 2)..], NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k < 1)
        {
            return false;
        }
        key = new LatentKey(new CacheEntryKey(tenant, id), k);
        return true;
    }

    private void EnsureDirectory(string directory)
    {
        lock (_directoriesGate)
        {
            if (_knownDirectories.Contains(directory))
            {
                return;
            }
        }
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            // The new directory's own entry lives in the root; flush it so the directory survives a crash.
            DirectorySync.Flush(_root);
        }
        lock (_directoriesGate)
        {
            _knownDirectories.Add(directory);
        }
    }

    private static void TryDeleteTemporary(string temporaryPath)
    {
        try
        {
            File.Delete(temporaryPath);
        }
        catch (IOException)
        {
            // Recovery removes leftover temporaries on the next start; the original error matters more.
        }
    }
}
