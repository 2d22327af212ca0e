using Diffusion.Cli.Attacks.Scoring;

namespace Diffusion.Server.Tests.Attacks;

public sealed class PoisoningShareTests
{
    private static readonly HashSet<string> Planted = ["p1", "p2"];

    [Fact]
    public void Direct_counts_starts_from_a_planted_entry()
    {
        var count = PoisoningShare.Direct(["p1", null, "own", "p2"], Planted);
        Assert.Equal(new PoisoningCount(2, 4), count);
        Assert.Equal(0.5, count.Share);
    }

    [Fact]
    public void No_requests_have_no_share()
    {
        Assert.True(double.IsNaN(PoisoningShare.Direct([], Planted).Share));
        Assert.Equal(0.0, PoisoningShare.Direct([null, "own"], Planted).Share);
    }

    [Fact]
    public void Transitive_follows_entries_back_to_a_plant()
    {
        // v1 started from "own", whose run started from p1; v2 from "clean", a full run
        var sources = new Dictionary<string, string?> { ["own"] = "p1", ["clean"] = null, ["p1"] = null };
        Assert.Equal(new PoisoningCount(1, 2), PoisoningShare.Transitive(["own", "clean"], Planted, sources));
        Assert.Equal(new PoisoningCount(0, 2), PoisoningShare.Direct(["own", "clean"], Planted));
    }

    [Fact]
    public void Transitive_stops_on_a_cycle_or_an_unknown_entry()
    {
        var sources = new Dictionary<string, string?> { ["a"] = "b", ["b"] = "a" };
        Assert.Equal(new PoisoningCount(0, 2), PoisoningShare.Transitive(["a", "gone"], Planted, sources));
    }
}
