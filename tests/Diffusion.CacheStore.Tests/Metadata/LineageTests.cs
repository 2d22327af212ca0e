using Diffusion.CacheStore;
using Microsoft.Data.Sqlite;

namespace Diffusion.CacheStore.Tests.Metadata;

/// <summary>An entry's lineage (the prompts its latents came from) survives both backends, and old databases gain it.</summary>
public sealed class LineageTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2025-01-01T00:00:00Z");
    private readonly TempDirectory _directory = new();
    private readonly RedisTestServer _redis = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _directory.Dispose();
    }

    private static CacheEntryDescriptor WithLineage() => TestEntries.Descriptor() with
    {
        Lineage = [new LatentAncestor([0.5f, -1f, 2f], 15, [0.25f, 0.75f]), new LatentAncestor([1f, 0f, 0f, 0f], 5)],
    };

    private static void AssertSameLineage(IReadOnlyList<LatentAncestor> expected, IReadOnlyList<LatentAncestor> actual)
    {
        Assert.Equal(expected.Select(a => a.UntilStep), actual.Select(a => a.UntilStep));
        Assert.Equal(expected.Select(a => a.TextEmbedding), actual.Select(a => a.TextEmbedding));
        Assert.Equal(expected.Select(a => a.ImageEmbedding), actual.Select(a => a.ImageEmbedding));
    }

    [Fact]
    public void The_codec_round_trips_and_refuses_a_torn_blob()
    {
        var lineage = WithLineage().Lineage;
        var bytes = LineageCodec.Encode(lineage);
        AssertSameLineage(lineage, LineageCodec.Decode(bytes));
        Assert.Empty(LineageCodec.Decode([]));
        Assert.Throws<InvalidDataException>(() => LineageCodec.Decode(bytes.AsSpan(0, bytes.Length - 3)));
        Assert.Throws<InvalidDataException>(() => LineageCodec.Decode(bytes.AsSpan(0, 5)));
    }

    [Fact]
    public void A_lineage_without_image_embeddings_keeps_the_first_format_which_still_reads()
    {
        // what the store wrote before ancestors carried images: step, length, text embedding
        IReadOnlyList<LatentAncestor> textOnly = [new LatentAncestor([0.5f, -1f, 2f], 15), new LatentAncestor([1f, 0f], 5)];
        var bytes = LineageCodec.Encode(textOnly);
        Assert.Equal(2 * 8 + 5 * sizeof(float), bytes.Length);
        Assert.Equal(15, BitConverter.ToInt32(bytes, 0));
        AssertSameLineage(textOnly, LineageCodec.Decode(bytes));

        // with an image the blob is longer by a marker and per ancestor a length (and the image's values)
        var withImage = LineageCodec.Encode(WithLineage().Lineage);
        Assert.Equal(-2, BitConverter.ToInt32(withImage, 0));
        Assert.Throws<InvalidDataException>(() => LineageCodec.Decode(withImage.AsSpan(0, withImage.Length - 2)));
    }

    [Fact]
    public async Task Sqlite_keeps_the_lineage_and_an_entry_from_noise_has_none()
    {
        var path = _directory.Combine("meta.db");
        var chained = WithLineage();
        var fromNoise = TestEntries.Descriptor();
        await using (var backend = SqliteMetadataBackend.Open(path))
        {
            foreach (var d in new[] { chained, fromNoise })
            {
                Assert.Equal(MetadataStatus.Ok, await backend.PutLatentAsync(new CacheEntryMetadata(d, null, Start, Start, []),
                    new StoredLatentInfo(20, 100, 0, Start, Start), default));
            }
        }
        await using var reopened = SqliteMetadataBackend.Open(path);
        var loaded = (await reopened.LoadAllAsync(default)).Entries.ToDictionary(e => e.Key);
        AssertSameLineage(chained.Lineage, loaded[chained.Key].Entry.Lineage);
        Assert.Empty(loaded[fromNoise.Key].Entry.Lineage);
    }

    [Fact]
    public async Task A_version_1_database_gains_the_lineage_column_and_keeps_its_entries()
    {
        var path = _directory.Combine("v1.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE entries (
                  tenant TEXT NOT NULL, id INTEGER NOT NULL,
                  prompt TEXT NOT NULL, text_embedding BLOB NOT NULL, image_embedding BLOB,
                  seed INTEGER NOT NULL, model_id TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
                  scheduler TEXT NOT NULL, steps INTEGER NOT NULL, guidance REAL NOT NULL,
                  created_ms INTEGER NOT NULL, last_used_ms INTEGER NOT NULL,
                  PRIMARY KEY (tenant, id));
                CREATE TABLE latents (
                  tenant TEXT NOT NULL, id INTEGER NOT NULL, k INTEGER NOT NULL,
                  bytes INTEGER NOT NULL, hits INTEGER NOT NULL, stored_ms INTEGER NOT NULL, last_used_ms INTEGER NOT NULL,
                  PRIMARY KEY (tenant, id, k),
                  FOREIGN KEY (tenant, id) REFERENCES entries (tenant, id) ON DELETE CASCADE);
                INSERT INTO entries VALUES ('default', 7, 'an old prompt', x'0000803f', NULL, 1, 'm', 64, 64, 'ddim', 50, 4.0, 0, 0);
                INSERT INTO latents VALUES ('default', 7, 10, 100, 2, 0, 0);
                PRAGMA user_version = 1;
                """;
            command.ExecuteNonQuery();
        }
        await using (var backend = SqliteMetadataBackend.Open(path))
        {
            var old = Assert.Single((await backend.LoadAllAsync(default)).Entries);
            Assert.Equal("an old prompt", old.Entry.Prompt);
            Assert.Empty(old.Entry.Lineage);
            Assert.Equal(2, Assert.Single(old.Latents).Hits);
            var chained = WithLineage();
            Assert.Equal(MetadataStatus.Ok, await backend.PutLatentAsync(new CacheEntryMetadata(chained, null, Start, Start, []),
                new StoredLatentInfo(20, 100, 0, Start, Start), default));
            AssertSameLineage(chained.Lineage, (await backend.LoadAllAsync(default)).Entries.Single(e => e.Key == chained.Key).Entry.Lineage);
        }
        await using var again = SqliteMetadataBackend.Open(path); // opening a migrated file is a no-op
        Assert.Equal(2, (await again.LoadAllAsync(default)).Entries.Count);
    }

    [Fact]
    public async Task Sqlite_skips_a_row_with_a_torn_lineage_and_keeps_the_rest()
    {
        var path = _directory.Combine("torn.db");
        var good = WithLineage();
        var torn = WithLineage();
        await using (var backend = SqliteMetadataBackend.Open(path))
        {
            foreach (var d in new[] { good, torn })
            {
                await backend.PutLatentAsync(new CacheEntryMetadata(d, null, Start, Start, []), new StoredLatentInfo(20, 100, 0, Start, Start), default);
            }
        }
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE entries SET lineage = x'0f000000ff' WHERE id = $id;";
            command.Parameters.AddWithValue("$id", torn.Key.Id.Value);
            Assert.Equal(1, command.ExecuteNonQuery());
        }
        await using var reopened = SqliteMetadataBackend.Open(path);
        Assert.Equal(good.Key, Assert.Single((await reopened.LoadAllAsync(default)).Entries).Key);
    }

    [RedisFact]
    public async Task Redis_keeps_the_lineage_in_the_entry_hash()
    {
        var backend = new RedisMetadataBackend(await _redis.ConnectAsync());
        var chained = WithLineage();
        Assert.Equal(MetadataStatus.Ok, await backend.PutLatentAsync(new CacheEntryMetadata(chained, null, Start, Start, []),
            new StoredLatentInfo(20, 100, 0, Start, Start), default));
        var loaded = Assert.Single((await backend.LoadAllAsync(default)).Entries);
        AssertSameLineage(chained.Lineage, loaded.Entry.Lineage);
    }

    [Fact]
    public void A_descriptor_refuses_an_ancestor_step_outside_its_run()
    {
        var bad = TestEntries.Descriptor() with { Lineage = [new LatentAncestor([1f], 50)] };
        Assert.Contains("ancestor", Assert.Throws<ArgumentException>(bad.Validate).Message);
    }
}
