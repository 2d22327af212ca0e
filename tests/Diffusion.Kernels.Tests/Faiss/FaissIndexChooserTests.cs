using Diffusion.Kernels.Faiss;

namespace Diffusion.Kernels.Tests.Faiss;

public sealed class FaissIndexChooserTests
{
    [Fact]
    public void Choose_PicksFlatUpToTheLimit_AndHnswAbove()
    {
        var chooser = new FaissIndexChooser(new FaissIndexChooserOptions { ExactSearchLimit = 100, HnswNeighbors = 16, HnswEfSearch = 80 });

        Assert.Equal(new FaissIndexPlan("Flat", null), chooser.Choose(0));
        Assert.Equal(new FaissIndexPlan("Flat", null), chooser.Choose(100));
        Assert.Equal(new FaissIndexPlan("HNSW16", 80), chooser.Choose(101));
        Assert.True(chooser.Choose(100).IsExact);
        Assert.False(chooser.Choose(101).IsExact);
    }

    [Fact]
    public void Create_MakesAWorkingIndexOfTheChosenKind()
    {
        var chooser = new FaissIndexChooser(new FaissIndexChooserOptions { ExactSearchLimit = 10 });
        using var small = chooser.Create(5, 8, FaissMetric.L2);
        using var large = chooser.Create(50, 8, FaissMetric.L2);

        // Only HNSW accepts efSearch: proves which kind each one is.
        Assert.Throws<FaissException>(() => small.SetHnswEfSearch(10));
        large.SetHnswEfSearch(10);
    }

    [Theory]
    [InlineData(-1, 32, 64)]
    [InlineData(10, 2, 64)]
    [InlineData(10, 32, 0)]
    public void InvalidOptions_AreRejectedAtConstruction(long limit, int neighbors, int efSearch)
    {
        var options = new FaissIndexChooserOptions { ExactSearchLimit = limit, HnswNeighbors = neighbors, HnswEfSearch = efSearch };

        Assert.Throws<ArgumentOutOfRangeException>(() => new FaissIndexChooser(options));
    }
}
