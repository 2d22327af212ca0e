namespace Diffusion.Tests.Shared;

/// <summary>Polling for a condition that becomes true later (shared by the test projects through a linked file).</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds or the time is up (then fails with <paramref name="message"/>).</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string message, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, message);
            await Task.Delay(100);
        }
    }
}
