using System.Text;

namespace Diffusion.CacheStore.Tests.Files;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string Target => _directory.Combine("report.json");

    [Fact]
    public async Task Replaces_the_file_whole_and_leaves_no_temporary_file()
    {
        await File.WriteAllTextAsync(Target, "old");

        await AtomicFile.WriteAllBytesAsync(Target, Encoding.UTF8.GetBytes("new content"), default);

        Assert.Equal("new content", await File.ReadAllTextAsync(Target));
        Assert.Equal([Target], Directory.GetFiles(_directory.Path));
    }

    [Fact]
    public async Task A_writer_that_fails_half_way_leaves_the_old_content_and_no_temporary_file()
    {
        await File.WriteAllTextAsync(Target, "old");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AtomicFile.WriteAsync(Target, async (stream, ct) =>
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes("half of the new"), ct);
            throw new InvalidOperationException("writer failed");
        }, default));

        Assert.Equal("writer failed", error.Message);
        Assert.Equal("old", await File.ReadAllTextAsync(Target));
        Assert.Empty(Directory.GetFiles(_directory.Path, "*" + AtomicFile.TempSuffix));
    }

    [Fact]
    public async Task Creates_the_target_folder_when_it_is_missing()
    {
        var nested = _directory.Combine("reports", "today", "report.json");

        await AtomicFile.WriteAllBytesAsync(nested, Encoding.UTF8.GetBytes("{}"), default);

        Assert.Equal("{}", await File.ReadAllTextAsync(nested));
    }

    [Fact]
    public async Task Cancellation_leaves_no_file_where_there_was_none()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => AtomicFile.WriteAllBytesAsync(Target, new byte[1024], cancel.Token));

        Assert.Empty(Directory.GetFiles(_directory.Path));
    }

    [Fact]
    public void Synchronous_write_replaces_the_file_or_keeps_the_old_one()
    {
        File.WriteAllText(Target, "old");

        Assert.Throws<IOException>(() => AtomicFile.Write(Target, stream =>
        {
            stream.Write(Encoding.UTF8.GetBytes("torn"));
            throw new IOException("disk full");
        }));
        Assert.Equal("old", File.ReadAllText(Target));

        AtomicFile.Write(Target, stream => stream.Write(Encoding.UTF8.GetBytes("new")));
        Assert.Equal("new", File.ReadAllText(Target));
        Assert.Equal([Target], Directory.GetFiles(_directory.Path));
    }

    public void Dispose() => _directory.Dispose();
}
