using Microsoft.Playwright;

namespace Diffusion.Browser.Tests.Infrastructure;

/// <summary>One served app on a fresh data directory and one browser, shared by the tests of a class.</summary>
public class ServerAndBrowserFixture : IAsyncLifetime
{
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("diffusion-web-").FullName;
    public ServedApp App { get; private set; } = null!;
    public BrowserSession Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Generations are real; on a busy machine a page may need a while to show their result.
        Assertions.SetDefaultExpectTimeout(30_000);
        App = await ServedApp.StartAsync(DataDirectory, PrepareModelFolder());
        Browser = await BrowserSession.LaunchAsync();
    }

    /// <summary>The model folder to serve: the conformance model (an open-vocabulary SD 1.5 export).</summary>
    protected virtual string PrepareModelFolder() => RepoPaths.ConformanceModel;

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        if (App is not null) await App.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }

    /// <summary>Opens a page of the served app, e.g. "/" or "/dashboard".</summary>
    public async Task<IPage> OpenAsync(string path)
    {
        var page = await Browser.NewPageAsync();
        await page.GotoAsync(new Uri(App.BaseAddress, path).ToString());
        return page;
    }

    public void AssertNoScriptErrors() => Assert.Empty(Browser.ScriptErrors);
}
