using Diffusion.CacheStore;
using Diffusion.Lab.Bench;

namespace Diffusion.Lab.Tests.Bench;

public sealed class CacheBenchOptionsTests
{
    [Fact]
    public void Defaults_are_the_acceptance_run_and_valid()
    {
        var defaults = new CacheBenchOptions();
        Assert.Equal(2000, defaults.Requests);
        Assert.Equal(ByteSize.Parse("2MB"), defaults.Budget);
        Assert.Same(defaults, defaults.Validate());
    }

    [Fact]
    public void Options_name_every_problem()
    {
        var e = Assert.Throws<ArgumentException>(() => new CacheBenchOptions
        {
            Requests = 5, Users = 0, Concurrency = 0, Steps = 1, GuidanceScale = float.NaN, GraceRequests = -1,
        }.Validate());
        Assert.StartsWith("Invalid cache bench options:", e.Message);
        foreach (var word in new[] { "requests", "users", "concurrency", "steps", "guidance", "grace" })
        {
            Assert.Contains(word, e.Message);
        }
    }

    [Fact]
    public void A_warm_up_that_leaves_nothing_to_measure_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new CacheBenchOptions { Requests = 10, Warmup = 0.96 }.Validate());
        Assert.Contains("leaves no measured request", e.Message);
    }
}
