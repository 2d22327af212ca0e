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
/// <see cref="ServerOptions.ImageRetentionCount"/>.
/// </summary>
public sealed class ImageStore
{
    private const string PngExtension = ".png";
    private const string SidecarExtension = ".json";

    private readonly string directory;
    private readonly int retention;
    private readonly TimeProvider time;
    private readonly ILogger<ImageStore> logger;
    private readonly Lock gate = new();
    // Ascending by id, which is creation order (ids start with the creation time).
    private readonly List<ImageRecord> index = [];

    public ImageStore(IOptions<ServerOptions> options, TimeProvider time, ILogger<ImageStore> logger)
    {
        directory = options.Value.ImagesDirectory;
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
            record = at >= 0 && index[at].Metadata.Owner == tenant ? index[at] : null!;
            return record is not null;
        }
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
            File.Delete(temp);
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
            try
            {
                var record = JsonSerializer.Deserialize<ImageRecord>(File.ReadAllBytes(sidecar), ApiJson.Options);
                if (record is null || record.Id != id || record.Metadata is null)
                {
                    logger.LogWarning("Image sidecar {Path} does not describe image {Id}; skipping it", sidecar, id);
                    continue;
                }
                loaded.Add(record);
            }
            catch (JsonException ex)
            {
                logger.LogWarning("Image sidecar {Path} is not valid JSON ({Reason}); skipping it", sidecar, ex.Message);
            }
        }

        foreach (var png in Directory.EnumerateFiles(directory, "*" + PngExtension))
        {
            var name = Path.GetFileNameWithoutExtension(png);
            if (ImageId.TryParse(name, out var id) && !File.Exists(SidecarPath(id)))
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

    private sealed class IdOrder : IComparer<ImageRecord>
    {
        public static readonly IdOrder Instance = new();
        public int Compare(ImageRecord? x, ImageRecord? y) =>
            string.CompareOrdinal(x?.Id.Value, y?.Id.Value);
    }
}
