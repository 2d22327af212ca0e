using Diffusion.CacheStore;

namespace Diffusion.CacheStore.Tests.Devices;

public sealed class FileLatentDeviceTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private static readonly LatentKey Key = new(new CacheEntryKey(new TenantId("acme"), new CacheEntryId(77)), 10);

    [Fact]
    public async Task Write_read_list_delete_round_trip()
    {
        var device = new FileLatentDevice(_directory.Path);
        byte[] blob = [1, 2, 3, 4, 5];
        await device.WriteAsync(Key, blob, default);

        Assert.Equal(blob, await device.ReadAsync(Key, default));
        Assert.Equal([Key], await ToListAsync(device.ListAsync(default)));
        Assert.EndsWith(Path.Combine("acme", "000000000000004d.k10.dlat"), device.PathOf(Key));
        Assert.True(await device.DeleteAsync(Key, default));
        Assert.Null(await device.ReadAsync(Key, default));
        Assert.False(await device.DeleteAsync(Key, default));
    }

    [Fact]
    public async Task Atomic_write_shows_nothing_under_the_final_name_until_the_whole_file_is_flushed()
    {
        var device = new FileLatentDevice(_directory.Path);
        byte[] blob = new byte[64 * 1024];
        new Random(3).NextBytes(blob);
        bool checkedBeforeRename = false;
        device.BeforeRename = (temporary, final) =>
        {
            Assert.False(File.Exists(final));
            Assert.Equal(blob.Length, new FileInfo(temporary).Length);
            Assert.Equal(Path.GetDirectoryName(final), Path.GetDirectoryName(temporary));
            checkedBeforeRename = true;
            return ValueTask.CompletedTask;
        };

        await device.WriteAsync(Key, blob, default);

        Assert.True(checkedBeforeRename);
        Assert.Equal(blob, await File.ReadAllBytesAsync(device.PathOf(Key)));
        Assert.Empty(Directory.GetFiles(_directory.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_failed_write_keeps_the_old_file_whole_and_leaves_no_temporary()
    {
        var device = new FileLatentDevice(_directory.Path);
        byte[] old = [9, 9, 9];
        await device.WriteAsync(Key, old, default);
        device.BeforeRename = (_, _) => throw new IOException("disk gone (simulated)");

        await Assert.ThrowsAsync<IOException>(async () => await device.WriteAsync(Key, new byte[1000], default));

        Assert.Equal(old, await device.ReadAsync(Key, default));
        Assert.Empty(Directory.GetFiles(_directory.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Leftover_temporaries_are_removed_and_never_listed()
    {
        var device = new FileLatentDevice(_directory.Path);
        await device.WriteAsync(Key, new byte[] { 1 }, default);
        string leftover = Path.Combine(_directory.Path, "acme", ".000000000000004d.k15.dlat.0123.tmp");
        await File.WriteAllBytesAsync(leftover, new byte[10]);
        await File.WriteAllTextAsync(Path.Combine(_directory.Path, "acme", "notes.txt"), "not a latent");

        Assert.Equal([Key], await ToListAsync(device.ListAsync(default)));
        Assert.Equal(1, await device.RemoveLeftoversAsync(default));
        Assert.False(File.Exists(leftover));
    }

    private static async Task<List<LatentKey>> ToListAsync(IAsyncEnumerable<LatentKey> keys)
    {
        var list = new List<LatentKey>();
        await foreach (var key in keys)
        {
            list.Add(key);
        }
        return list;
    }

    public void Dispose() => _directory.Dispose();
}
