using Diffusion.Cache.Policy;

namespace Diffusion.Cache.Tests.Policy;

public sealed class KTableTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Theory]
    [InlineData(1.0, 25)]
    [InlineData(0.951, 25)]
    [InlineData(0.95, 20)]   // thresholds are strict: "> 0.95"
    [InlineData(0.91, 20)]
    [InlineData(0.86, 15)]
    [InlineData(0.80, 10)]
    [InlineData(0.70, 5)]
    [InlineData(0.65, 0)]
    [InlineData(-0.2, 0)]
    public void Nirvanas_table_maps_similarity_to_K(double similarity, int k)
    {
        Assert.Equal(k, SimilarityKTable.Nirvana.KFor(similarity));
    }

    [Fact]
    public void Every_K_of_a_table_with_distinct_thresholds_is_reachable()
    {
        Assert.Equal([25, 20, 15, 10, 5], SimilarityKTable.Nirvana.ReachableKs());
    }

    [Fact]
    public void A_K_sharing_its_threshold_with_a_larger_K_is_never_selected()
    {
        // the calibrated shape: K 25 trusted exactly where 20, 15 and 10 are
        var table = new SimilarityKTable([new(0.91, 25), new(0.91, 20), new(0.91, 15), new(0.91, 10), new(0.1, 5)]);
        Assert.Equal([25, 5], table.ReachableKs());
        foreach (var similarity in new[] { -1.0, 0.05, 0.1, 0.5, 0.91, 0.9100001, 0.99, 1.0 })
        {
            Assert.Contains(table.KFor(similarity), new[] { 0, 25, 5 });
        }
    }

    [Fact]
    public void A_table_where_more_skipping_needs_less_similarity_is_a_problem()
    {
        var table = new SimilarityKTable([new(0.80, 25), new(0.90, 20)]);
        var problems = table.Problems(CachePoints.Nirvana, "t").ToList();
        Assert.Contains(problems, p => p.Contains("K 25 has a lower threshold"));
    }

    [Fact]
    public void A_K_that_is_not_a_cache_point_is_a_problem()
    {
        var problems = new SimilarityKTable([new(0.9, 30)]).Problems(CachePoints.Nirvana, "t").ToList();
        Assert.Contains(problems, p => p.Contains("K 30 is not a cache point"));
    }

    [Fact]
    public void Tables_round_trip_through_the_file()
    {
        var set = new KTableSet
        {
            DefaultMode = RetrievalMode.PromptToImage,
            PromptToPrompt = new SimilarityKTable([new(0.97, 25), new(0.9, 10)]),
            PromptToImage = new SimilarityKTable([new(0.4, 5)]),
            CalibratedFor = "m@123",
            Note = "test",
        };
        var path = _directory.Combine("k.json");
        set.Save(path);
        var back = KTableSet.Load(path);
        Assert.Equal(RetrievalMode.PromptToImage, back.DefaultMode);
        Assert.Equal("m@123", back.CalibratedFor);
        Assert.Equal(25, back.PromptToPrompt.KFor(0.98));
        Assert.Equal(10, back.PromptToPrompt.KFor(0.95));
        Assert.Equal(5, back.PromptToImage.KFor(0.41));
        Assert.Equal(0, back.PromptToImage.KFor(0.39));
    }

    [Fact]
    public void A_broken_file_fails_with_its_path()
    {
        var path = _directory.Combine("bad.json");
        File.WriteAllText(path, "{\"format\":1,\"default_mode\":\"sideways\",\"modes\":{}}");
        var e = Assert.Throws<InvalidDataException>(() => KTableSet.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("sideways", e.Message);
    }

    [Fact]
    public void The_shipped_table_loads_and_passes_validation()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "src", "Diffusion.Cache", KTableSet.FileName);
        var set = KTableSet.Load(path);
        new ApproximateCacheOptions { KTables = set }.Validate();
        Assert.NotEmpty(set.For(set.DefaultMode).Thresholds);
    }

    public void Dispose() => _directory.Dispose();
}
