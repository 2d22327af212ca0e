using System.Diagnostics;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Xunit.Abstractions;

namespace Diffusion.Cache.Tests.Crash;

/// <summary>
/// A child process generates through the cache (store writes on the background writer, the FAISS index
/// saved after every request) until it is killed with SIGKILL at a random moment. A restarted cache must
/// agree with the store (the saved index adopted only if it matches) and serve no torn entry. Three rounds,
/// each continuing on what the previous crash left.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task A_cache_killed_mid_generation_restarts_with_an_index_that_agrees_with_the_store_and_no_torn_entry()
    {
        var random = new Random(7);
        for (var round = 1; round <= 3; round++)
        {
            var generated = await RunChildAndKillAsync(first: round * 1000, minimum: 4, extraMilliseconds: random.Next(0, 600));
            output.WriteLine($"round {round}: killed after {generated} requests");
            // a kill during an index save leaves at most a temporary file, never a half-written index or manifest
            var indexFiles = Directory.Exists(_directory.Combine("index"))
                ? Directory.GetFiles(_directory.Combine("index"), "*", SearchOption.AllDirectories)
                : [];
            output.WriteLine($"  index files: {string.Join(", ", indexFiles.Select(Path.GetFileName))}");

            using var models = Inference.Pipeline.DiffusionModels.Load(TestPaths.FixtureModel);
            var latentLength = new Inference.Pipeline.DiffusionPipeline(models).LatentLength;
            var options = new ApproximateCacheOptions
            {
                KTables = KTableSet.Uncalibrated with { PromptToPrompt = new([new(0.9999, 25)]) },
                IndexDirectory = _directory.Combine("index"),
            };
            var storeOptions = new CacheStoreOptions
            {
                DataDirectory = _directory.Combine("store"),
                MaxLatentElements = latentLength,
                MaxBytes = new ByteSize(60 * LatentFileFormat.FileLength(latentLength, 3, TenantId.Default)),
            };
            await using var cache = await ApproximateCache.OpenLocalAsync(options, storeOptions);
            output.WriteLine($"  store recovery: {cache.Store.Recovery}; index: {cache.IndexStart}");
            foreach (var start in cache.IndexStart.Partitions)
            {
                output.WriteLine($"  {start.Partition}: {start.Entries} entries, {(start.Loaded ? "loaded" : "rebuilt")} ({start.Reason})");
            }

            var entries = cache.Store.Entries();
            Assert.NotEmpty(entries);
            foreach (var tenant in entries.Select(e => e.Key.Tenant).Distinct())
            {
                Assert.Equal(entries.Where(e => e.Key.Tenant == tenant).Select(e => e.Key.Id.Value).Order(),
                    cache.Index.Ids(RetrievalMode.PromptToPrompt, tenant).Order());
            }
            var corruptAtStart = cache.Store.Stats.CorruptDiscarded;
            foreach (var entry in entries)
            {
                // every entry is found by its own prompt embedding and its latents read back whole
                var facts = new CacheRequestFacts
                {
                    Prompt = entry.Entry.Prompt,
                    ModelId = entry.Entry.ModelId,
                    Size = entry.Entry.Size,
                    LatentShape = [4, models.Unet.LatentHeight, models.Unet.LatentWidth],
                    Scheduler = Inference.Scheduling.SchedulerKind.Ddim,
                    Steps = entry.Entry.Steps,
                };
                var lookup = await cache.LookupAsync(entry.Entry.TextEmbedding, facts, entry.Key.Tenant, CacheMode.Auto, default);
                Assert.True(lookup.IsHit, $"{entry.Key}: {lookup.Detail}");
                foreach (var k in cache.Store.StoredKs(entry.Key))
                {
                    var read = await cache.Store.ReadAsync(entry.Key, k);
                    Assert.True(read.IsHit, $"{entry.Key}/k{k}: {read.Status} {read.Detail}");
                    Assert.All(read.Values!, v => Assert.True(float.IsFinite(v)));
                }
            }
            Assert.Equal(corruptAtStart, cache.Store.Stats.CorruptDiscarded);
            Assert.Empty(Directory.GetFiles(_directory.Combine("store"), "*.tmp", SearchOption.AllDirectories));
        }
    }

    private async Task<int> RunChildAndKillAsync(int first, int minimum, int extraMilliseconds)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Diffusion.Cache.CrashChild.dll"));
        start.ArgumentList.Add(_directory.Path);
        start.ArgumentList.Add(TestPaths.FixtureModel);
        start.ArgumentList.Add(first.ToString());
        using var child = Process.Start(start)!;
        var generated = 0;
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        child.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.StartsWith("generated ", StringComparison.Ordinal) == true && int.TryParse(line.Data.AsSpan(10), out var count))
            {
                Volatile.Write(ref generated, count);
                if (count >= minimum)
                {
                    enough.TrySetResult();
                }
            }
        };
        child.BeginOutputReadLine();
        var stderr = child.StandardError.ReadToEndAsync();
        try
        {
            var finished = await Task.WhenAny(enough.Task, child.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(120)));
            Assert.True(finished == enough.Task, $"the child did not get going (exited: {child.HasExited}): {(child.HasExited ? await stderr : "")}");
            await Task.Delay(extraMilliseconds);
        }
        finally
        {
            child.Kill(entireProcessTree: true); // SIGKILL: no finally blocks, no flushes, no index save in the child
            await child.WaitForExitAsync();
        }
        return Volatile.Read(ref generated);
    }

    public void Dispose() => _directory.Dispose();
}
