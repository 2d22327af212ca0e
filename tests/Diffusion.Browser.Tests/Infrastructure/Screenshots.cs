using Microsoft.Playwright;

namespace Diffusion.Browser.Tests.Infrastructure;

/// <summary>
/// Screenshots kept as test artifacts: in DIFFUSION_SCREENSHOTS when set, else
/// TestResults/screenshots under the test project's output folder.
/// </summary>
public static class Screenshots
{
    public static string Directory { get; } =
        Environment.GetEnvironmentVariable("DIFFUSION_SCREENSHOTS") is { Length: > 0 } path
            ? path
            : Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public static async Task<string> SaveAsync(IPage page, string name, bool fullPage = true)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var file = Path.Combine(Directory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = fullPage });
        Assert.True(new FileInfo(file).Length > 1000, $"screenshot {file} is empty");
        return file;
    }
}
