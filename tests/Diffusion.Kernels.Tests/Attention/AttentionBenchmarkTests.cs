using Diffusion.Kernels.Attention;

namespace Diffusion.Kernels.Tests.Attention;

// Checks the benchmark runs and reports sane numbers; it asserts no timing.
public sealed class AttentionBenchmarkTests
{
    [Fact]
    public void Run_ReportsPositiveTimesAndAgreeingOutputs()
    {
        var options = new AttentionBenchmarkOptions { ContextLength = 40, BlockSize = 16, CallsPerRound = 5, Rounds = 2 };

        var result = AttentionBenchmark.Run(options);

        Assert.True(result.PagedMicrosecondsPerCall > 0);
        Assert.True(result.ContiguousMicrosecondsPerCall > 0);
        Assert.True(double.IsFinite(result.PagedToContiguousRatio));
        Assert.InRange(result.MaxAbsDifference, 0, 1e-5f);
        Assert.Same(options, result.Options);
    }

    [Fact]
    public void RunSweep_GivesOneResultPerContextLength()
    {
        var results = AttentionBenchmark.RunSweep(new AttentionBenchmarkOptions { CallsPerRound = 2, Rounds = 1 }, [32, 64]);

        Assert.Equal([32, 64], results.Select(r => r.Options.ContextLength));
    }

    [Fact]
    public void Run_RejectsInvalidOptions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AttentionBenchmark.Run(new AttentionBenchmarkOptions { NumQueries = 200, ContextLength = 100 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => AttentionBenchmark.Run(new AttentionBenchmarkOptions { BlockSize = 0 }));
    }
}
