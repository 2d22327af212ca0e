using Diffusion.Replay.Client;

namespace Diffusion.Replay.Tests;

public sealed class RetryPolicyTests
{
    private readonly RetryPolicy policy = new(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));

    [Fact]
    public void Backoff_doubles_up_to_its_cap()
    {
        Assert.Equal(
            [100, 200, 400, 800, 1000, 1000],
            Enumerable.Range(1, 6).Select(r => policy.DelayBefore(r, null).TotalMilliseconds));
    }

    [Fact]
    public void Retry_after_is_honoured_when_longer_than_the_backoff()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), policy.DelayBefore(1, TimeSpan.FromSeconds(5)));
        // Longer than the cap too: the server's word wins.
        Assert.Equal(TimeSpan.FromSeconds(30), policy.DelayBefore(9, TimeSpan.FromSeconds(30)));
        // A shorter Retry-After does not shorten the backoff.
        Assert.Equal(TimeSpan.FromMilliseconds(400), policy.DelayBefore(3, TimeSpan.FromMilliseconds(10)));
        Assert.Throws<ArgumentOutOfRangeException>(() => policy.DelayBefore(0, null));
    }
}
