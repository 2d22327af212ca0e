using System.Text.RegularExpressions;
using Diffusion.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Diffusion.Browser.Tests;

/// <summary>A gallery from an empty data directory, across a stop and a start of the server.</summary>
public sealed class GalleryRestartTests : IAsyncLifetime
{
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("diffusion-web-restart-").FullName;
    private BrowserSession browser = null!;

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(30_000);
        browser = await BrowserSession.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await browser.DisposeAsync();
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Empty_gallery_invites_a_prompt_and_an_image_made_in_the_page_survives_a_server_restart()
    {
        const string prompt = "a snow globe with a tiny village";
        await using (var first = await ServedApp.StartAsync(dataDirectory))
        {
            var page = await browser.NewPageAsync();
            await page.GotoAsync(first.BaseAddress.ToString());
            await Expect(page.Locator("#gallery-empty")).ToContainTextAsync("No images yet.");
            await Expect(page.Locator("#gallery-count")).ToHaveTextAsync("0 images");
            await Screenshots.SaveAsync(page, "gallery-empty", fullPage: false);

            await page.GetByLabel("Prompt", new() { Exact = true }).FillAsync(prompt);
            await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();
            await Expect(page.Locator(".card .card-prompt")).ToHaveTextAsync([prompt]);
            await Expect(page.Locator("#gallery-empty")).ToBeHiddenAsync();
            await page.CloseAsync();
        }

        // A new server process state on the same data directory (and a new port) serves the same gallery.
        await using var second = await ServedApp.StartAsync(dataDirectory);
        var again = await browser.NewPageAsync();
        await again.GotoAsync(second.BaseAddress.ToString());
        await Expect(again.Locator(".card .card-prompt")).ToHaveTextAsync([prompt]);
        await Expect(again.Locator(".card img")).ToHaveJSPropertyAsync("naturalWidth", 64);
        await Expect(again.Locator("#gallery-count")).ToHaveTextAsync(new Regex("^1 image$"));
        Assert.Empty(browser.ScriptErrors);
    }
}
