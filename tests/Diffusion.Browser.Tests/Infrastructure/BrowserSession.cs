using Microsoft.Playwright;

namespace Diffusion.Browser.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium, headless, through Playwright's driver (shipped in the NuGet package; no browser
/// is ever downloaded), with a fresh profile in a temporary directory. Records uncaught script
/// errors of every page it opens.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string DefaultChromium = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright playwright;
    private readonly string profile;
    private readonly List<string> scriptErrors = [];

    private BrowserSession(IPlaywright playwright, IBrowserContext context, string profile)
    {
        this.playwright = playwright;
        Context = context;
        this.profile = profile;
    }

    public IBrowserContext Context { get; }

    /// <summary>Uncaught exceptions and unhandled rejections in any page so far.</summary>
    public IReadOnlyList<string> ScriptErrors
    {
        get { lock (scriptErrors) return scriptErrors.ToList(); }
    }

    /// <summary>Chromium from DIFFUSION_CHROMIUM, else Debian's.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("DIFFUSION_CHROMIUM") is { Length: > 0 } path ? path : DefaultChromium;

    public static async Task<BrowserSession> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"Chromium is not at {ChromiumPath}; install Debian's chromium package (scripts/setup.sh does) or set DIFFUSION_CHROMIUM.");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        var profile = Directory.CreateTempSubdirectory("diffusion-chromium-").FullName;
        try
        {
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ChromiumArgs,
                ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
                Locale = "en-GB",
                TimezoneId = "UTC",
            });
            return new BrowserSession(playwright, context, profile);
        }
        catch (PlaywrightException)
        {
            playwright.Dispose();
            Directory.Delete(profile, recursive: true);
            throw;
        }
    }

    public async Task<IPage> NewPageAsync()
    {
        var page = await Context.NewPageAsync();
        page.PageError += (_, error) =>
        {
            lock (scriptErrors) scriptErrors.Add($"{page.Url}: {error}");
        };
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        playwright.Dispose();
        Directory.Delete(profile, recursive: true);
    }
}
