using System.Text.Json;
using Diffusion.CacheStore;
using Diffusion.Server.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Images;

/// <summary>
/// The gallery's images on disk: <c>{id}.png</c> plus a <c>{id}.json</c> sidecar in
/// <see cref="ServerOptions.ImagesDirectory"/>. The sidecar is written last and is the commit mark:
/// an image without one is an interrupted save and is removed at start-up. An in-memory index,
/// rebuilt from the sidecars at start-up, answers listings; the oldest images are deleted beyond
/// <see cref="ServerOptions.ImageRetentionCount"/>. In a directory shared by several instances
/// (<see cref="ServerOptions.SharedImagesDirectory"/>) an id this instance has not indexed is looked up on disk,
/// listings pick up the others' images first, and start-up leaves a PNG without its sidecar alone while it is young
/// (another instance may be saving it).
/// </summary>
public sealed class ImageStore
{
    private const string PngExtension = ".png";
    private const string SidecarExtension = ".json";

    /// <summary>How long a PNG without its sidecar may be another instance's save in progress.</summary>
    private static readonly TimeSpan SaveGrace = TimeSpan.FromMinutes(5);

    /// <summary>How often a listing in a shared directory looks for the other instances' new images.</summary>
    private static readonly TimeSpan RescanInterval = TimeSpan.FromSeconds(2);

    private readonly string directory;
    private readonly bool shared;
    private DateTimeOffset lastScan;
    private readonly int retention;
    private readonly TimeProvider time;
    private readonly ILogger<ImageStore> logger;
    private readonly Lock gate = new();
    // Ascending by id, which is creation order (ids start with the creation time).
    private readonly List<ImageRecord> index = [];

    public ImageStore(IOptions<ServerOptions> options, TimeProvider time, ILogger<ImageStore> logger)
    {
        directory = options.Value.ImagesDirectory;
        shared = options.Value.ImagesShared;
        retention = options.Value.ImageRetentionCount;
        this.time = time;
        this.logger = logger;
        Directory.CreateDirectory(directory);
        Load();
    }

    public int Count
    {
        get { lock (gate) return index.Count; }
    }

    /// <summary>Images of one tenant.</summary>
    public int CountFor(TenantId tenant)
    {
        lock (gate) return index.Count(r => r.Metadata.Owner == tenant);
    }

    public async Task<ImageRecord> SaveAsync(ImageMetadata metadata, ReadOnlyMemory<byte> png, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (png.IsEmpty) throw new ArgumentException("An image must have PNG bytes.", nameof(png));

        var now = time.GetUtcNow();
        var record = new ImageRecord(ImageId.New(now), now, metadata);
        await AtomicFile.WriteAllBytesAsync(PngPath(record.Id), png, cancellationToken);
        var sidecar = JsonSerializer.SerializeToUtf8Bytes(record, ApiJson.Options);
        try
        {
            await AtomicFile.WriteAllBytesAsync(SidecarPath(record.Id), sidecar, cancellationToken);
        }
        catch
        {
            // Without its sidecar the image does not exist; give its bytes back to a full disk now, not at the next start.
            File.Delete(PngPath(record.Id));
            throw;
        }

        List<ImageRecord> evicted = [];
        lock (gate)
        {
            Insert(record);
            while (index.Count > retention)
            {
                evicted.Add(index[0]);
                index.RemoveAt(0);
            }
        }
        foreach (var old in evicted) DeleteFiles(old.Id);
        return record;
    }

    /// <summary>
    /// The newest image of <paramref name="tenant"/> whose run was stored in the latent cache as
    /// <paramref name="cacheEntryId"/>, if any; another tenant's image is never named.
    /// </summary>
    public ImageRecord? FindByCacheEntry(string cacheEntryId, TenantId tenant)
    {
        lock (gate)
        {
            for (var i = index.Count - 1; i >= 0; i--)
            {
                if (index[i].Metadata.Cache.StoredAs == cacheEntryId && index[i].Metadata.Owner == tenant) return index[i];
            }
            return null;
        }
    }

    /// <summary>The image if it exists and belongs to <paramref name="tenant"/>; another tenant's image is "not found".</summary>
    public bool TryGet(ImageId id, TenantId tenant, out ImageRecord record)
    {
        lock (gate)
        {
            var at = Find(id);
            if (at >= 0)
            {
                record = index[at].Metadata.Owner == tenant ? index[at] : null!;
                return record is not null;
            }
        }
        // another instance's image in the shared directory: its sidecar is the commit mark there too
        if (shared && ReadSidecar(SidecarPath(id), id) is { } found)
        {
            lock (gate) Insert(found);
            record = found.Metadata.Owner == tenant ? found : null!;
            return record is not null;
        }
        record = null!;
        return false;
    }

    /// <summary>Opens the PNG of <paramref name="tenant"/>'s image for reading, or returns null when it has no such image.</summary>
    public Stream? OpenPng(ImageId id, TenantId tenant)
    {
        if (!TryGet(id, tenant, out _)) return null;
        try
        {
            // FileShare.Delete: retention may remove the file while a response is streaming it.
            return new FileStream(PngPath(id), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                bufferSize: 16 * 1024, FileOptions.Asynchronous);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public GalleryPage List(GalleryQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (shared && time.GetUtcNow() - lastScan > RescanInterval)
        {
            AddOthersImages();
        }
        var items = new List<ImageRecord>(Math.Min(query.Limit, GalleryQuery.MaxLimit));
        var total = 0;
        lock (gate)
        {
            for (var i = index.Count - 1; i >= 0; i--)
            {
                if (!query.Matches(index[i])) continue;
                if (total >= query.Offset && items.Count < query.Limit) items.Add(index[i]);
                total++;
            }
        }
        return new GalleryPage(items, total);
    }

    /// <summary>Indexes the sidecars other instances wrote since the last scan.</summary>
    private void AddOthersImages()
    {
        lastScan = time.GetUtcNow();
        foreach (var sidecar in Directory.EnumerateFiles(directory, "*" + SidecarExtension))
        {
            if (!ImageId.TryParse(Path.GetFileNameWithoutExtension(sidecar), out var id)) continue;
            lock (gate)
            {
                if (Find(id) >= 0) continue;
            }
            if (ReadSidecar(sidecar, id) is { } record)
            {
                lock (gate) Insert(record);
            }
        }
    }

    private ImageRecord? ReadSidecar(string sidecar, ImageId id)
    {
        try
        {
            var record = JsonSerializer.Deserialize<ImageRecord>(File.ReadAllBytes(sidecar), ApiJson.Options);
            if (record is null || record.Id != id || record.Metadata is null)
            {
                logger.LogWarning("Image sidecar {Path} does not describe image {Id}; skipping it", sidecar, id);
                return null;
            }
            return record;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException ex)
        {
            logger.LogWarning("Image sidecar {Path} is not valid JSON ({Reason}); skipping it", sidecar, ex.Message);
            return null;
        }
    }

    private string PngPath(ImageId id) => Path.Combine(directory, id.Value + PngExtension);
    private string SidecarPath(ImageId id) => Path.Combine(directory, id.Value + SidecarExtension);

    private int Find(ImageId id) =>
        index.BinarySearch(new ImageRecord(id, default, null!), IdOrder.Instance);

    private void Insert(ImageRecord record)
    {
        var at = index.BinarySearch(record, IdOrder.Instance);
        if (at >= 0) index[at] = record;
        else index.Insert(~at, record);
    }

    private void DeleteFiles(ImageId id)
    {
        // Sidecar first: without it the image no longer exists, even if the PNG delete is interrupted.
        File.Delete(SidecarPath(id));
        File.Delete(PngPath(id));
    }

    private void Load()
    {
        foreach (var temp in Directory.EnumerateFiles(directory, "*" + AtomicFile.TempSuffix))
        {
            if (!InProgressElsewhere(temp)) File.Delete(temp);
        }

        var loaded = new List<ImageRecord>();
        foreach (var sidecar in Directory.EnumerateFiles(directory, "*" + SidecarExtension))
        {
            var name = Path.GetFileNameWithoutExtension(sidecar);
            if (!ImageId.TryParse(name, out var id)) continue; // not ours; leave it alone
            if (!File.Exists(PngPath(id)))
            {
                logger.LogWarning("Image {Id} has metadata but no PNG; dropping its metadata", id);
                File.Delete(sidecar);
                continue;
            }
            if (ReadSidecar(sidecar, id) is { } record) loaded.Add(record);
        }

        foreach (var png in Directory.EnumerateFiles(directory, "*" + PngExtension))
        {
            var name = Path.GetFileNameWithoutExtension(png);
            if (ImageId.TryParse(name, out var id) && !File.Exists(SidecarPath(id)) && !InProgressElsewhere(png))
            {
                logger.LogInformation("Removing image {Id}: its save was interrupted before the metadata was written", id);
                File.Delete(png);
            }
        }

        loaded.Sort(IdOrder.Instance);
        var excess = loaded.Count - retention;
        if (excess > 0)
        {
            logger.LogInformation("Deleting the {Count} oldest images beyond the retention of {Retention}", excess, retention);
            foreach (var old in loaded.Take(excess)) DeleteFiles(old.Id);
            loaded.RemoveRange(0, excess);
        }
        lock (gate)
        {
            index.Clear();
            index.AddRange(loaded);
        }
        logger.LogInformation("Image store at {Directory} holds {Count} images", directory, loaded.Count);
    }

    /// <summary>In a shared directory, a young file without its sidecar may be another instance's save in progress.</summary>
    private bool InProgressElsewhere(string path) =>
        shared && time.GetUtcNow() - File.GetLastWriteTimeUtc(path) < SaveGrace;

    private sealed class IdOrder : IComparer<ImageRecord>
    {
        public static readonly IdOrder Instance = new();
        public int Compare(ImageRecord? x, ImageRecord? y) =>
            string.CompareOrdinal(x?.Id.Value, y?.Id.Value);
    }
}
