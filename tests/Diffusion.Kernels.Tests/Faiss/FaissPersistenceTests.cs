using Diffusion.Kernels.Faiss;

namespace Diffusion.Kernels.Tests.Faiss;

public sealed class FaissPersistenceTests : IDisposable
{
    private const int Dim = 48;
    private readonly string directory = Directory.CreateTempSubdirectory("faiss-tests-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Theory]
    [InlineData("Flat", FaissMetric.InnerProduct)]
    [InlineData("HNSW32", FaissMetric.L2)]
    public void SaveThenLoad_GivesSameIndex(string factory, FaissMetric metric)
    {
        var vectors = TestVectors.Gaussian(600, Dim, seed: 31);
        var ids = TestVectors.Ids(600);
        var queries = TestVectors.Gaussian(20, Dim, seed: 32);
        var path = Path.Combine(directory, "index.faiss");
        using var original = FaissIndex.Create(factory, Dim, metric);
        original.Add(vectors, ids);
        var before = original.Search(queries, 8);

        original.Save(path);
        using var loaded = FaissIndex.Load(path);

        Assert.Equal(Dim, loaded.Dimension);
        Assert.Equal(metric, loaded.Metric);
        Assert.Equal(600, loaded.Count);
        var after = loaded.Search(queries, 8);
        Assert.Equal(before.Ids, after.Ids);
        Assert.Equal(before.Distances, after.Distances);
    }

    [Theory]
    [InlineData("HNSW32")]
    [InlineData("IVF8,Flat")]
    public void Save_OfIndexWithRemovedVectors_WritesOnlyLiveOnes(string factory)
    {
        var vectors = TestVectors.Gaussian(500, Dim, seed: 33);
        var ids = TestVectors.Ids(500);
        var path = Path.Combine(directory, "removed.faiss");
        using var original = FaissIndex.Create(factory, Dim, FaissMetric.L2);
        if (!original.IsTrained)
        {
            original.Train(vectors);
            original.SetIvfNprobe(8);
        }

        original.Add(vectors, ids);
        original.Remove(ids[..50]);

        original.Save(path);
        using var loaded = FaissIndex.Load(path);

        Assert.Equal(450, loaded.Count);
        var result = loaded.Search(vectors.AsSpan(0, 50 * Dim), 10);
        Assert.DoesNotContain(result.Ids, id => ids[..50].Contains(id));
        // Loaded ids are still ids, not positions: a live vector finds itself.
        Assert.Equal(ids[100], loaded.Search(vectors.AsSpan(100 * Dim, Dim), 1).Ids[0]);
    }

    [Fact]
    public void Save_OverExistingFile_ReplacesItAndLeavesNoTemporaryFiles()
    {
        var path = Path.Combine(directory, "index.faiss");
        using var first = FaissIndex.Create("Flat", Dim, FaissMetric.L2);
        first.Add(TestVectors.Gaussian(10, Dim, seed: 34), TestVectors.Ids(10));
        first.Save(path);
        using var second = FaissIndex.Create("Flat", Dim, FaissMetric.L2);
        second.Add(TestVectors.Gaussian(3, Dim, seed: 35), TestVectors.Ids(3));

        second.Save(path);

        using var loaded = FaissIndex.Load(path);
        Assert.Equal(3, loaded.Count);
        Assert.Equal(["index.faiss"], Directory.GetFiles(directory).Select(Path.GetFileName));
    }

    [Fact]
    public void Load_OfMissingFile_ThrowsFileNotFound()
    {
        var missing = Path.Combine(directory, "missing.faiss");

        var error = Assert.Throws<FileNotFoundException>(() => FaissIndex.Load(missing));

        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void Load_OfGarbageFile_ThrowsFaissException()
    {
        var path = Path.Combine(directory, "garbage.faiss");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8, 9]);

        var error = Assert.Throws<FaissException>(() => FaissIndex.Load(path));

        Assert.Contains(path, error.Message);
    }
}
