using Diffusion.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Diffusion.Browser.Tests;

/// <summary>
/// The gallery on a service with API keys: the page asks for a key, refuses a wrong one, and with a right one
/// lists, shows and generates the tenant's images (images load through the session cookie) and nobody else's.
/// </summary>
public sealed class KeyedGalleryTests : IAsyncLifetime
{
    private const string AliceKey = "alice-key-0123456789";
    private const string BobKey = "bob-key-0123456789ab";
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("diffusion-web-keys-").FullName;
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
    public async Task The_page_asks_for_a_key_and_then_shows_only_the_tenants_own_images()
    {
        await using var app = await ServedApp.StartAsync(dataDirectory, apiKeys: $"alice:{AliceKey};bob:{BobKey}");
        app.Http.DefaultRequestHeaders.Authorization = new("Bearer", BobKey);
        await app.GenerateAsync(new { prompt = "bob's secret lighthouse", steps = 4 });

        var page = await browser.NewPageAsync();
        await page.GotoAsync(app.BaseAddress.ToString());
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "API key" });
        await Expect(dialog).ToBeVisibleAsync();

        await dialog.GetByLabel("Key").FillAsync("not-the-key-000000");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That key is not valid.");

        await dialog.GetByLabel("Key").FillAsync(AliceKey);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.Locator("#gallery-empty")).ToContainTextAsync("No images yet.");

        const string prompt = "alice's red kite";
        await page.GetByLabel("Prompt", new() { Exact = true }).FillAsync(prompt);
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();
        await Expect(page.Locator(".card .card-prompt")).ToHaveTextAsync([prompt]);
        // The <img> request carries no header: the session cookie authenticates it.
        await Expect(page.Locator(".card img")).ToHaveJSPropertyAsync("naturalWidth", 64);
        Assert.Empty(browser.ScriptErrors);
    }
}
