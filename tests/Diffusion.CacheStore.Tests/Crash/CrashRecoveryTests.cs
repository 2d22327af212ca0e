using System.Diagnostics;
using Diffusion.CacheStore;
using Xunit.Abstractions;

namespace Diffusion.CacheStore.Tests.Crash;

public sealed class CrashRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    /// <summary>
    /// A child process writes entries (with evictions, hits and image embeddings) through a real local
    /// store until it is killed with SIGKILL at a random moment; then a new store opens the directory.
    /// Three rounds, each continuing on what the previous crash left.
    /// </summary>
    [Fact]
    public async Task A_store_killed_mid_write_recovers_with_no_corrupt_entry_no_dangling_metadata_and_no_temporaries()
    {
        var random = new Random(5);
        string dataDirectory = _directory.Combine("data");
        for (int round = 1; round <= 3; round++)
        {
            int written = await RunChildAndKillAsync(dataDirectory, minimumEntries: 8, extraMilliseconds: random.Next(0, 400));
            output.WriteLine($"round {round}: killed after {written} entries");

            var options = new CacheStoreOptions
            {
                DataDirectory = dataDirectory,
                MaxLatentElements = 4 * 32 * 32,
                MaxBytes = new ByteSize(40 * LatentFileFormat.FileLength(4 * 32 * 32, 3, TenantId.Default)),
            };
            await using (var store = await LatentStore.OpenLocalAsync(options))
            {
                output.WriteLine($"  recovery: {store.Recovery}");
                Assert.Empty(Directory.GetFiles(dataDirectory, "*.tmp", SearchOption.AllDirectories));
                Assert.True(store.UsedBytes <= store.MaxBytes);
                var entries = store.Entries();
                Assert.NotEmpty(entries);
                foreach (var entry in entries)
                {
                    Assert.NotEmpty(entry.Latents);
                    foreach (int k in store.StoredKs(entry.Key))
                    {
                        var read = await store.ReadAsync(entry.Key, k);
                        Assert.True(read.IsHit, $"{entry.Key}/k{k}: {read.Status} {read.Detail}");
                        Assert.Equal(4 * 32 * 32, read.Values!.Length);
                    }
                }
                Assert.Equal(0, store.Stats.CorruptDiscarded - store.Recovery!.CorruptDiscarded);
            }

            await AssertMetadataAndFilesAgreeAsync(dataDirectory);
        }
    }

    /// <summary>Checks the directory directly: every listed latent has a whole file, every file is listed.</summary>
    private static async Task AssertMetadataAndFilesAgreeAsync(string dataDirectory)
    {
        await using var metadata = SqliteMetadataBackend.Open(Path.Combine(dataDirectory, SqliteMetadataBackend.DefaultFileName));
        var loaded = await metadata.LoadAllAsync(default);
        Assert.Equal(MetadataStatus.Ok, loaded.Status);
        var device = new FileLatentDevice(Path.Combine(dataDirectory, "latents"));
        var listed = new HashSet<LatentKey>();
        foreach (var entry in loaded.Entries)
        {
            Assert.NotEmpty(entry.Latents);
            foreach (var latent in entry.Latents)
            {
                var key = new LatentKey(entry.Key, latent.K);
                listed.Add(key);
                byte[]? file = await device.ReadAsync(key, default);
                Assert.NotNull(file);
                Assert.Equal(LatentFileStatus.Ok, LatentFileFormat.Verify(file, out var header));
                Assert.Equal(key, header!.Key);
                Assert.Equal(latent.Bytes, file.Length);
            }
        }
        await foreach (var key in device.ListAsync(default))
        {
            Assert.Contains(key, listed);
        }
    }

    private async Task<int> RunChildAndKillAsync(string dataDirectory, int minimumEntries, int extraMilliseconds)
    {
        string childPath = Path.Combine(AppContext.BaseDirectory, "Diffusion.CacheStore.CrashWriter.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(childPath);
        start.ArgumentList.Add(dataDirectory);
        using var child = Process.Start(start)!;
        int written = 0;
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        child.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.StartsWith("entries ", StringComparison.Ordinal) == true && int.TryParse(line.Data.AsSpan(8), out int count))
            {
                Volatile.Write(ref written, count);
                if (count >= minimumEntries)
                {
                    enough.TrySetResult();
                }
            }
        };
        child.BeginOutputReadLine();
        var stderr = child.StandardError.ReadToEndAsync();
        try
        {
            var finished = await Task.WhenAny(enough.Task, child.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
            Assert.True(finished == enough.Task, $"the writer did not get going (exited: {child.HasExited}): {(child.HasExited ? await stderr : "")}");
            await Task.Delay(extraMilliseconds);
        }
        finally
        {
            child.Kill(entireProcessTree: true); // SIGKILL: no finally blocks, no flushes in the child
            await child.WaitForExitAsync();
        }
        return Volatile.Read(ref written);
    }

    public void Dispose() => _directory.Dispose();
}
