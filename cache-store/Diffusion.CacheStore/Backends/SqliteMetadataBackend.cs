using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Diffusion.CacheStore;

/// <summary>
/// The embedded default backend: one SQLite file in the data directory, in WAL mode. SQLite was chosen
/// over a hand-made journal because it already gives atomic multi-row updates, crash recovery and
/// in-place counter updates without compaction, and the file can be inspected with standard tools.
/// synchronous=NORMAL keeps commits durable across process crashes (what the store must survive);
/// after a power loss the last commits may be missing, which recovery reconciles like any other
/// latent without metadata.
/// </summary>
public sealed class SqliteMetadataBackend : ICacheMetadataBackend
{
    public const string DefaultFileName = "cache-metadata.db";
    private const int SchemaVersion = 2;

    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ILogger _logger;

    private SqliteMetadataBackend(SqliteConnection connection, ILogger logger)
    {
        _connection = connection;
        _logger = logger;
    }

    public bool IsShared => false;

    /// <summary>Opens (creating if needed) the metadata database at <paramref name="path"/>.</summary>
    public static SqliteMetadataBackend Open(string path, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=2000;");
            long version = (long)new SqliteCommand("PRAGMA user_version;", connection).ExecuteScalar()!;
            if (version > SchemaVersion)
            {
                throw new InvalidOperationException(
                    $"Cache metadata database '{fullPath}' has schema version {version}; this build knows up to {SchemaVersion}.");
            }
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS entries (
                  tenant TEXT NOT NULL, id INTEGER NOT NULL,
                  prompt TEXT NOT NULL, text_embedding BLOB NOT NULL, image_embedding BLOB,
                  seed INTEGER NOT NULL, model_id TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
                  scheduler TEXT NOT NULL, steps INTEGER NOT NULL, guidance REAL NOT NULL,
                  created_ms INTEGER NOT NULL, last_used_ms INTEGER NOT NULL, lineage BLOB,
                  PRIMARY KEY (tenant, id));
                CREATE TABLE IF NOT EXISTS latents (
                  tenant TEXT NOT NULL, id INTEGER NOT NULL, k INTEGER NOT NULL,
                  bytes INTEGER NOT NULL, hits INTEGER NOT NULL, stored_ms INTEGER NOT NULL, last_used_ms INTEGER NOT NULL,
                  PRIMARY KEY (tenant, id, k),
                  FOREIGN KEY (tenant, id) REFERENCES entries (tenant, id) ON DELETE CASCADE);
                """);
            // version 1 had no lineage (its entries count as runs from noise); the column and the version change in one
            // transaction, so a crash between them cannot leave a column the next open would try to add again
            Execute(connection, version == 1
                ? $"BEGIN; ALTER TABLE entries ADD COLUMN lineage BLOB; PRAGMA user_version = {SchemaVersion}; COMMIT;"
                : $"PRAGMA user_version = {SchemaVersion};");
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new InvalidOperationException($"Cannot open the cache metadata database '{fullPath}': {ex.Message}", ex);
        }
        return new SqliteMetadataBackend(connection, logger ?? NullLogger.Instance);
    }

    public async ValueTask<MetadataLoadResult> LoadAllAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var latents = new Dictionary<(string, long), List<StoredLatentInfo>>();
            using (var command = new SqliteCommand("SELECT tenant, id, k, bytes, hits, stored_ms, last_used_ms FROM latents ORDER BY tenant, id, k;", _connection))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var key = (reader.GetString(0), reader.GetInt64(1));
                    if (!latents.TryGetValue(key, out var list))
                    {
                        latents[key] = list = [];
                    }
                    list.Add(new StoredLatentInfo(reader.GetInt32(2), reader.GetInt64(3), reader.GetInt64(4),
                        FromMs(reader.GetInt64(5)), FromMs(reader.GetInt64(6))));
                }
            }

            var entries = new List<CacheEntryMetadata>();
            using (var command = new SqliteCommand("""
                SELECT tenant, id, prompt, text_embedding, image_embedding, seed, model_id, width, height,
                       scheduler, steps, guidance, created_ms, last_used_ms, lineage FROM entries;
                """, _connection))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    string tenantText = reader.GetString(0);
                    long id = reader.GetInt64(1);
                    if (!TenantId.TryParse(tenantText, out var tenant) || id < 0)
                    {
                        _logger.LogWarning("Skipping cache metadata row with invalid key {Tenant}/{Id}", tenantText, id);
                        continue;
                    }
                    byte[] textBlob = (byte[])reader.GetValue(3);
                    byte[]? imageBlob = reader.IsDBNull(4) ? null : (byte[])reader.GetValue(4);
                    if (textBlob.Length % sizeof(float) != 0 || imageBlob?.Length % sizeof(float) is > 0)
                    {
                        _logger.LogWarning("Skipping cache metadata row {Tenant}/{Id}: an embedding is not whole float32 values", tenantText, id);
                        continue;
                    }
                    IReadOnlyList<LatentAncestor> lineage;
                    try
                    {
                        lineage = reader.IsDBNull(14) ? [] : LineageCodec.Decode((byte[])reader.GetValue(14));
                    }
                    catch (InvalidDataException ex)
                    {
                        _logger.LogWarning("Skipping cache metadata row {Tenant}/{Id}: {Message}", tenantText, id, ex.Message);
                        continue;
                    }
                    var descriptor = new CacheEntryDescriptor
                    {
                        Key = new CacheEntryKey(tenant, new CacheEntryId(id)),
                        Prompt = reader.GetString(2),
                        TextEmbedding = EmbeddingCodec.Decode(textBlob),
                        Seed = reader.GetInt64(5),
                        ModelId = reader.GetString(6),
                        Size = new ImageSize(reader.GetInt32(7), reader.GetInt32(8)),
                        SchedulerFamily = reader.GetString(9),
                        Steps = reader.GetInt32(10),
                        Guidance = reader.GetFloat(11),
                        Lineage = lineage,
                    };
                    float[]? image = imageBlob is null ? null : EmbeddingCodec.Decode(imageBlob);
                    entries.Add(new CacheEntryMetadata(descriptor, image, FromMs(reader.GetInt64(12)), FromMs(reader.GetInt64(13)),
                        latents.TryGetValue((tenantText, id), out var list) ? list : []));
                }
            }
            return new MetadataLoadResult(MetadataStatus.Ok, entries);
        }
        catch (SqliteException ex)
        {
            _logger.LogError(ex, "Cannot read cache metadata: {Message}", ex.Message);
            return MetadataLoadResult.Unavailable;
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask<MetadataStatus> PutLatentAsync(CacheEntryMetadata entry, StoredLatentInfo latent, CancellationToken cancellationToken) =>
        RunAsync("store latent metadata", cancellationToken, connection =>
        {
            var e = entry.Entry;
            using var transaction = connection.BeginTransaction();
            Execute(connection, transaction, """
                INSERT INTO entries (tenant, id, prompt, text_embedding, image_embedding, seed, model_id, width, height,
                                     scheduler, steps, guidance, created_ms, last_used_ms, lineage)
                VALUES ($tenant, $id, $prompt, $text, $image, $seed, $model, $width, $height, $scheduler, $steps, $guidance, $created, $used, $lineage)
                ON CONFLICT (tenant, id) DO NOTHING;
                """,
                ("$tenant", e.Key.Tenant.Value), ("$id", e.Key.Id.Value), ("$prompt", e.Prompt),
                ("$text", EmbeddingCodec.Encode(e.TextEmbedding)),
                ("$image", entry.ImageEmbedding is null ? DBNull.Value : EmbeddingCodec.Encode(entry.ImageEmbedding)),
                ("$seed", e.Seed), ("$model", e.ModelId), ("$width", e.Size.Width), ("$height", e.Size.Height),
                ("$scheduler", e.SchedulerFamily), ("$steps", e.Steps), ("$guidance", (double)e.Guidance),
                ("$created", ToMs(entry.Created)), ("$used", ToMs(entry.LastUsed)),
                ("$lineage", e.Lineage.Count == 0 ? DBNull.Value : LineageCodec.Encode(e.Lineage)));
            Execute(connection, transaction, """
                INSERT INTO latents (tenant, id, k, bytes, hits, stored_ms, last_used_ms)
                VALUES ($tenant, $id, $k, $bytes, $hits, $stored, $used)
                ON CONFLICT (tenant, id, k) DO UPDATE SET bytes = excluded.bytes, stored_ms = excluded.stored_ms;
                """,
                ("$tenant", e.Key.Tenant.Value), ("$id", e.Key.Id.Value), ("$k", latent.K), ("$bytes", latent.Bytes),
                ("$hits", latent.Hits), ("$stored", ToMs(latent.StoredAt)), ("$used", ToMs(latent.LastUsed)));
            transaction.Commit();
        });

    public ValueTask<MetadataStatus> RemoveLatentAsync(LatentKey key, CancellationToken cancellationToken) =>
        RunAsync("remove latent metadata", cancellationToken, connection =>
            Execute(connection, null, "DELETE FROM latents WHERE tenant = $tenant AND id = $id AND k = $k;",
                ("$tenant", key.Tenant.Value), ("$id", key.Id.Value), ("$k", key.K)));

    public ValueTask<MetadataStatus> RemoveEntryAsync(CacheEntryKey key, CancellationToken cancellationToken) =>
        RunAsync("remove entry metadata", cancellationToken, connection =>
            Execute(connection, null, "DELETE FROM entries WHERE tenant = $tenant AND id = $id;",
                ("$tenant", key.Tenant.Value), ("$id", key.Id.Value)));

    public ValueTask<MetadataStatus> RecordHitsAsync(IReadOnlyList<HitDelta> hits, CancellationToken cancellationToken) =>
        RunAsync("record hits", cancellationToken, connection =>
        {
            using var transaction = connection.BeginTransaction();
            foreach (var hit in hits)
            {
                Execute(connection, transaction, """
                    UPDATE latents SET hits = hits + $hits, last_used_ms = max(last_used_ms, $used)
                    WHERE tenant = $tenant AND id = $id AND k = $k;
                    UPDATE entries SET last_used_ms = max(last_used_ms, $used) WHERE tenant = $tenant AND id = $id;
                    """,
                    ("$tenant", hit.Key.Tenant.Value), ("$id", hit.Key.Id.Value), ("$k", hit.Key.K),
                    ("$hits", hit.Hits), ("$used", ToMs(hit.LastUsed)));
            }
            transaction.Commit();
        });

    public ValueTask<MetadataStatus> SetImageEmbeddingAsync(CacheEntryKey key, float[] embedding, CancellationToken cancellationToken) =>
        RunAsync("store image embedding", cancellationToken, connection =>
            Execute(connection, null, "UPDATE entries SET image_embedding = $image WHERE tenant = $tenant AND id = $id;",
                ("$tenant", key.Tenant.Value), ("$id", key.Id.Value), ("$image", EmbeddingCodec.Encode(embedding))));

    public async IAsyncEnumerable<MetadataChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // One process owns this file; nobody else makes changes to replay.
        await Task.CompletedTask.ConfigureAwait(false);
        yield break;
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<MetadataStatus> RunAsync(string what, CancellationToken cancellationToken, Action<SqliteConnection> action)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            action(_connection);
            return MetadataStatus.Ok;
        }
        catch (SqliteException ex)
        {
            // A full disk or I/O error: the change is lost for now; recovery reconciles on the next start.
            _logger.LogError("Cache metadata backend could not {What}: {Message}", what, ex.Message);
            return MetadataStatus.Unavailable;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = new SqliteCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = new SqliteCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        command.ExecuteNonQuery();
    }

    private static long ToMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
