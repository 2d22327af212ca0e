using Diffusion.Kernels.Faiss;

namespace Diffusion.Kernels.Tests.Faiss;

public sealed class FaissErrorTests
{
    private const int Dim = 16;

    [Fact]
    public void Create_WithBadFactoryString_ThrowsFaissExceptionCarryingFaissMessage()
    {
        var error = Assert.Throws<FaissException>(() => FaissIndex.Create("HNSWbogus,Nonsense", Dim, FaissMetric.L2));

        Assert.Equal(FaissErrorCode.FaissError, error.Code);
        Assert.Contains("index_factory", error.Message);
        Assert.Contains("HNSWbogus", error.Message);
    }

    [Fact]
    public void Create_WithIdMapPrefix_IsRejected()
    {
        var error = Assert.Throws<FaissException>(() => FaissIndex.Create("IDMap2,Flat", Dim, FaissMetric.L2));

        Assert.Equal(FaissErrorCode.InvalidArgument, error.Code);
        Assert.Contains("IDMap", error.Message);
    }

    [Fact]
    public void Add_WithIdAlreadyPresent_AddsNothing()
    {
        using var index = FaissIndex.Create("Flat", Dim, FaissMetric.L2);
        index.Add(TestVectors.Gaussian(2, Dim, seed: 41), [1, 2]);

        var error = Assert.Throws<FaissException>(() => index.Add(TestVectors.Gaussian(2, Dim, seed: 42), [3, 2]));

        Assert.Equal(FaissErrorCode.InvalidArgument, error.Code);
        Assert.Contains("id 2", error.Message);
        Assert.Equal(2, index.Count);
    }

    [Fact]
    public void Add_WithRepeatedOrNegativeIds_IsRejected()
    {
        using var index = FaissIndex.Create("Flat", Dim, FaissMetric.L2);
        var vectors = TestVectors.Gaussian(2, Dim, seed: 43);

        Assert.Throws<FaissException>(() => index.Add(vectors, [7, 7]));
        Assert.Throws<FaissException>(() => index.Add(vectors, [7, -1]));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void WrongLengths_AreArgumentErrors()
    {
        using var index = FaissIndex.Create("Flat", Dim, FaissMetric.L2);

        Assert.Throws<ArgumentException>(() => index.Add(new float[Dim + 1], [1]));
        Assert.Throws<ArgumentException>(() => index.Add(new float[Dim * 2], [1]));
        Assert.Throws<ArgumentException>(() => index.Search(new float[Dim - 1], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(new float[Dim], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FaissIndex.Create("Flat", 0, FaissMetric.L2));
    }

    [Fact]
    public void SettingHnswOrIvfParameters_OnFlatIndex_IsUnsupported()
    {
        using var index = FaissIndex.Create("Flat", Dim, FaissMetric.L2);

        Assert.Equal(FaissErrorCode.Unsupported, Assert.Throws<FaissException>(() => index.SetHnswEfSearch(64)).Code);
        Assert.Equal(FaissErrorCode.Unsupported, Assert.Throws<FaissException>(() => index.SetIvfNprobe(4)).Code);
    }

    [Fact]
    public void Remove_OnIndexKindWithoutRemoval_IsUnsupported()
    {
        using var index = FaissIndex.Create("PCA8,Flat", Dim, FaissMetric.L2);
        index.Train(TestVectors.Gaussian(100, Dim, seed: 44));
        index.Add(TestVectors.Gaussian(10, Dim, seed: 45), TestVectors.Ids(10));

        var error = Assert.Throws<FaissException>(() => index.Remove([TestVectors.Ids(1)[0]]));

        Assert.Equal(FaissErrorCode.Unsupported, error.Code);
        Assert.Equal(10, index.Count);
    }

    [Fact]
    public void DisposedIndex_ThrowsObjectDisposed_AndDisposeTwiceIsHarmless()
    {
        var index = FaissIndex.Create("Flat", Dim, FaissMetric.L2);
        index.Add(TestVectors.Gaussian(1, Dim, seed: 46), [1]);

        index.Dispose();
        index.Dispose();

        Assert.Throws<ObjectDisposedException>(() => index.Count);
        Assert.Throws<ObjectDisposedException>(() => index.Search(new float[Dim], 1));
        Assert.Throws<ObjectDisposedException>(() => index.Add(new float[Dim], [2]));
        Assert.Throws<ObjectDisposedException>(() => index.Remove([1]));
    }
}
