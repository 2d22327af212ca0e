using System.Text.RegularExpressions;
using Diffusion.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Diffusion.Browser.Tests;

/// <summary>The gallery page (<c>/</c>) against the real server generating with ONNX Runtime.</summary>
public sealed class GalleryTests(ServerAndBrowserFixture fixture) : IClassFixture<ServerAndBrowserFixture>
{
    [Fact]
    public async Task Prompt_shows_progress_then_the_new_image_on_top_and_it_is_still_there_after_a_reload()
    {
        // An older image first, so "on top" means above something.
        await fixture.App.GenerateAsync(new { prompt = "an older picture of a barn", steps = 2 });
        var page = await fixture.OpenAsync("/");
        await Expect(page.Locator(".card").First).ToContainTextAsync("an older picture of a barn");
        // An open-vocabulary model (this SD 1.5-shaped export has no world.json): no vocabulary help at all.
        await Expect(page.Locator("#vocabulary-help")).ToBeHiddenAsync();

        const string prompt = "a lighthouse on a cliff at dusk";
        await page.GetByLabel("Prompt", new() { Exact = true }).FillAsync(prompt);
        await page.Locator("#options summary").ClickAsync();
        // 200 paced steps (at least 3 s; the fixture's PacedGenerator): unpaced, 150 steps of this small UNet
        // ended in under half a second, sometimes before the page had shown a single step.
        await page.GetByLabel("Steps").FillAsync("200");
        // A full run: with the cache on, a similar earlier prompt would start it at step K and count N−K steps.
        await page.Locator("#cache").SelectOptionAsync("off");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();

        // Live progress from the job's event stream while it runs: a bar out of 200 and "Step n of 200".
        var job = page.Locator(".job").First;
        await Expect(job.Locator(".job-status")).ToHaveTextAsync(new Regex(@"^Step \d+ of 200"));
        await Expect(job.Locator("progress")).ToHaveAttributeAsync("max", "200");
        await Expect(job.Locator(".job-status")).ToHaveTextAsync(new Regex("^Done in .* · cache (miss|hit)"));

        var first = page.Locator(".card").First;
        await Expect(first.Locator(".card-prompt")).ToHaveTextAsync(prompt);
        await Expect(first).ToHaveClassAsync(new Regex(@"\bnew\b"));
        await Expect(first.Locator(".badge")).ToHaveTextAsync(new Regex("^cache (miss|hit · K=\\d+)$"));
        await Expect(first.Locator(".card-meta").First).ToContainTextAsync("200 steps");
        await Expect(first.Locator("img")).ToHaveJSPropertyAsync("naturalWidth", 64);
        await Expect(page.Locator(".card").Nth(1).Locator(".card-prompt")).ToHaveTextAsync("an older picture of a barn");
        await Screenshots.SaveAsync(page, "gallery");

        await page.ReloadAsync();
        var reloaded = page.Locator(".card").First;
        await Expect(reloaded.Locator(".card-prompt")).ToHaveTextAsync(prompt);
        await Expect(reloaded.Locator("img")).ToHaveJSPropertyAsync("naturalWidth", 64);
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Filter_by_prompt_text_cache_outcome_and_date_narrows_the_grid_and_lives_in_the_url()
    {
        await fixture.App.GenerateAsync(new { prompt = "a red quokka apple", steps = 2 });
        await fixture.App.GenerateAsync(new { prompt = "a green quokka apple", steps = 2 });
        await fixture.App.GenerateAsync(new { prompt = "a blue wombat car", steps = 2 });
        var page = await fixture.OpenAsync("/");
        await Expect(page.Locator(".card").First).ToBeVisibleAsync();

        await page.GetByLabel("Prompt contains").FillAsync("QUOKKA");
        await Expect(page.Locator(".card")).ToHaveCountAsync(2);
        await Expect(page.Locator(".card-prompt")).ToHaveTextAsync(["a green quokka apple", "a red quokka apple"]);
        await Expect(page.Locator("#gallery-count")).ToHaveTextAsync("2 images match the filters");
        Assert.Contains("q=QUOKKA", page.Url);

        // The cache filter shows exactly what the API counts (with no cache wired, every image is a miss).
        var hits = (await fixture.App.GetJsonAsync("/v1/gallery?q=quokka&cache=hit")).GetProperty("total").GetInt32();
        await page.Locator("#filter-cache").SelectOptionAsync("hit");
        await Expect(page.Locator(".card")).ToHaveCountAsync(hits);
        if (hits == 0) await Expect(page.Locator("#gallery-empty")).ToContainTextAsync("No images match these filters.");
        await page.Locator("#filter-cache").SelectOptionAsync("miss");
        await Expect(page.Locator(".card")).ToHaveCountAsync(2 - hits);
        await page.Locator("#filter-cache").SelectOptionAsync("any");

        // A date range that ends before today holds none of them; one that includes today holds both.
        await page.GetByLabel("To", new() { Exact = true }).FillAsync("2001-01-01");
        await Expect(page.Locator(".card")).ToHaveCountAsync(0);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await page.GetByLabel("To", new() { Exact = true }).FillAsync(today);
        await page.GetByLabel("From", new() { Exact = true }).FillAsync(today);
        await Expect(page.Locator(".card")).ToHaveCountAsync(2);

        // The filters survive a reload (they are in the URL).
        await page.ReloadAsync();
        await Expect(page.GetByLabel("Prompt contains")).ToHaveValueAsync("QUOKKA");
        await Expect(page.Locator(".card")).ToHaveCountAsync(2);

        await page.GetByRole(AriaRole.Button, new() { Name = "Clear filters" }).ClickAsync();
        await Expect(page.Locator(".card-prompt").Filter(new() { HasText = "a blue wombat car" })).ToHaveCountAsync(1);
        Assert.DoesNotContain("q=", page.Url);
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_running_job_can_be_cancelled_from_its_row()
    {
        var page = await fixture.OpenAsync("/");
        await page.GetByLabel("Prompt", new() { Exact = true }).FillAsync("a very slow cathedral to cancel");
        await page.Locator("#options summary").ClickAsync();
        await page.GetByLabel("Steps").FillAsync("999");
        // A full run: with the cache on, a similar earlier prompt would start it at step K and count N−K steps.
        await page.Locator("#cache").SelectOptionAsync("off");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();

        var job = page.Locator(".job").First;
        await Expect(job.Locator(".job-status")).ToHaveTextAsync(new Regex(@"^Step \d+ of 999"));
        await job.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(job.Locator(".job-status")).ToHaveTextAsync("Cancelled.");
        await Expect(job).ToHaveClassAsync(new Regex(@"\bfailed\b"));
        await job.GetByRole(AriaRole.Button, new() { Name = "Dismiss" }).ClickAsync();
        await Expect(page.Locator(".job")).ToHaveCountAsync(0);
        await Expect(page.Locator(".card-prompt").Filter(new() { HasText = "a very slow cathedral to cancel" })).ToHaveCountAsync(0);
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task More_jobs_than_the_browser_has_connections_all_finish_and_the_page_stays_responsive()
    {
        var page = await fixture.OpenAsync("/");
        await page.Locator("#options summary").ClickAsync();
        await page.GetByLabel("Steps").FillAsync("20");
        for (var i = 1; i <= 7; i++)
        {
            await page.GetByLabel("Prompt", new() { Exact = true }).FillAsync($"a parade float number {i}");
            await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();
            // Its row appears at once (finished rows leave after a few seconds, so rows are not counted).
            await Expect(page.Locator(".job .job-prompt").Filter(new() { HasText = $"a parade float number {i}" })).ToHaveCountAsync(1);
        }
        // While jobs run the gallery still answers (its requests are not starved by event streams).
        await page.GetByLabel("Prompt contains").FillAsync("parade float");
        await Expect(page.Locator(".card")).ToHaveCountAsync(7, new() { Timeout = 90_000 });
        await Expect(page.Locator(".job.failed")).ToHaveCountAsync(0);
        Assert.Equal(7, (await fixture.App.GetJsonAsync("/v1/gallery?q=parade%20float")).GetProperty("total").GetInt32());
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_new_image_the_filters_exclude_is_not_slipped_into_the_grid()
    {
        var page = await fixture.OpenAsync("/?q=xylophone");
        await Expect(page.Locator("#gallery-empty")).ToContainTextAsync("No images match these filters.");
        await page.GetByLabel("Prompt", new() { Exact = true }).FillAsync("a paper lantern");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();
        await Expect(page.Locator(".job .job-status")).ToHaveTextAsync(new Regex("^Done in .* · hidden by the current filters$"));
        await Expect(page.Locator(".card")).ToHaveCountAsync(0);

        await page.GetByLabel("Prompt", new() { Exact = true }).FillAsync("a xylophone made of ice");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();
        await Expect(page.Locator(".card.new .card-prompt")).ToHaveTextAsync("a xylophone made of ice");
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Load_more_pages_through_a_long_gallery()
    {
        for (var i = 1; i <= 26; i++) await fixture.App.GenerateAsync(new { prompt = $"kiwi bird number {i}", steps = 1 });
        var page = await fixture.OpenAsync("/?q=kiwi");

        await Expect(page.Locator(".card")).ToHaveCountAsync(24);
        await Expect(page.Locator(".card-prompt").First).ToHaveTextAsync("kiwi bird number 26");
        await Expect(page.Locator("#gallery-count")).ToHaveTextAsync("26 images match the filters");
        var more = page.GetByRole(AriaRole.Button, new() { Name = "Load more" });
        await more.ClickAsync();
        await Expect(page.Locator(".card")).ToHaveCountAsync(26);
        await Expect(page.Locator(".card-prompt").Last).ToHaveTextAsync("kiwi bird number 1");
        await Expect(more).ToBeHiddenAsync();
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Detail_view_shows_the_settings_and_the_cache_source_and_generates_again_with_them()
    {
        var made = await fixture.App.GenerateAsync(new
        {
            prompt = "a porcelain teapot on a table", negative_prompt = "blurry", seed = 1234, steps = 3, scheduler = "euler",
            guidance_scale = 5.5, response_format = "url",
        });
        var id = made.GetProperty("id").GetString()!;
        var page = await fixture.OpenAsync("/");

        await page.Locator($".card[data-id='{id}'] .card-open").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.Locator("#detail-title")).ToHaveTextAsync("a porcelain teapot on a table");
        var settings = dialog.Locator("dl.settings");
        await Expect(settings).ToContainTextAsync("Seed1234");
        await Expect(settings).ToContainTextAsync("Negative promptblurry");
        await Expect(settings).ToContainTextAsync("Schedulereuler");
        await Expect(settings).ToContainTextAsync("Guidance scale5.5");
        await Expect(settings).ToContainTextAsync("Revised promptnot expanded");
        await Expect(dialog.Locator("#detail-image")).ToHaveJSPropertyAsync("naturalWidth", 64);
        // The source side follows the cache report: from noise on a miss, the entry it started from on a hit.
        var hit = made.GetProperty("cache").GetProperty("hit").GetBoolean();
        await Expect(dialog.Locator("#detail-source")).ToContainTextAsync(hit ? "Started from" : "Cache miss");
        Assert.EndsWith("#" + id, page.Url);
        await Screenshots.SaveAsync(page, "gallery-detail", fullPage: false);

        // The URL opens the same view after a reload.
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Dialog).Locator("#detail-title")).ToHaveTextAsync("a porcelain teapot on a table");

        await page.GetByRole(AriaRole.Button, new() { Name = "Generate again with these settings" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeHiddenAsync();
        await Expect(page.Locator(".card.new .card-prompt")).ToHaveTextAsync("a porcelain teapot on a table");

        var newest = (await fixture.App.GetJsonAsync("/v1/gallery?limit=1")).GetProperty("data")[0];
        Assert.NotEqual(id, newest.GetProperty("id").GetString());
        Assert.Equal(1234, newest.GetProperty("seed").GetInt64());
        Assert.Equal("blurry", newest.GetProperty("negative_prompt").GetString());
        Assert.Equal(3, newest.GetProperty("steps").GetInt32());
        Assert.Equal("euler", newest.GetProperty("scheduler").GetString());
        Assert.Equal(5.5, newest.GetProperty("guidance_scale").GetDouble());
        // Same settings, same seed, both full runs: the deterministic pipeline makes the same picture.
        // (A cache hit resumes from a stored fp16 latent, which need not be bit-identical.)
        if (!newest.GetProperty("cache").GetProperty("hit").GetBoolean())
        {
            var before = await fixture.App.Http.GetByteArrayAsync($"/v1/images/{id}");
            var again = await fixture.App.Http.GetByteArrayAsync($"/v1/images/{newest.GetProperty("id").GetString()}");
            Assert.Equal(before, again);
        }
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Detail_view_of_a_cache_hit_shows_the_source_image_or_else_the_source_facts()
    {
        // Two real images; the second's metadata is rewritten (by Playwright routing) into the cache
        // report of a hit, as the cache-wired server will send it.
        var source = (await fixture.App.GenerateAsync(new { prompt = "a stone bridge over a river", steps = 2, response_format = "url" })).GetProperty("id").GetString()!;
        var hit = (await fixture.App.GenerateAsync(new { prompt = "a stone bridge over a river at night", steps = 2, response_format = "url" })).GetProperty("id").GetString()!;
        var sourceId = source;
        var page = await fixture.Browser.NewPageAsync();
        await page.RouteAsync($"**/v1/images/{hit}/metadata", async route =>
        {
            var response = await route.FetchAsync();
            var metadata = System.Text.Json.Nodes.JsonNode.Parse(await response.TextAsync())!;
            metadata["cache"] = new System.Text.Json.Nodes.JsonObject
            {
                ["hit"] = true, ["k"] = 15, ["similarity"] = 0.934, ["source_id"] = sourceId,
            };
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = metadata.ToJsonString() });
        });

        await page.GotoAsync(new Uri(fixture.App.BaseAddress, "/#" + hit).ToString());
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.Locator("figcaption").First).ToContainTextAsync("cache hit · K=15");
        var figure = dialog.Locator("#detail-source");
        await Expect(figure.Locator("img")).ToHaveAttributeAsync("src", new Regex($"/v1/images/{source}$"));
        await Expect(figure.Locator("img")).ToHaveJSPropertyAsync("naturalWidth", 64);
        await Expect(figure).ToContainTextAsync("Started from “a stone bridge over a river”");
        await Expect(figure).ToContainTextAsync("Similarity 0.934 · skipped the first 15 steps (K=15)");
        await Screenshots.SaveAsync(page, "gallery-detail-hit", fullPage: false);

        // A source that is a cache entry, not a gallery image: its facts instead of a picture.
        sourceId = "entry_7f3a";
        await page.ReloadAsync();
        await Expect(figure).ToContainTextAsync("Started from cache entry entry_7f3a.");
        await Expect(figure).ToContainTextAsync("Similarity 0.934 · skipped the first 15 steps (K=15)");
        await Expect(figure.Locator("img")).ToHaveCountAsync(0);
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Api_errors_show_next_to_the_prompt_box_and_mark_the_field_they_blame()
    {
        var page = await fixture.OpenAsync("/");
        var error = page.Locator("#form-error");

        await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();
        await Expect(error).ToHaveTextAsync("Write a prompt first.");
        await Expect(page.GetByLabel("Prompt", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");

        await page.GetByLabel("Prompt", new() { Exact = true }).FillAsync("a field of tulips");
        await page.Locator("#options summary").ClickAsync();
        await page.GetByLabel("Steps").FillAsync("5000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();

        // The server's 400 message, verbatim, beside the prompt; the steps box is marked and focused.
        await Expect(error).ToHaveTextAsync("steps must be between 1 and 999; it is 5000");
        await Expect(error).ToHaveAttributeAsync("role", "alert");
        await Expect(page.GetByLabel("Steps")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Steps")).ToBeFocusedAsync();
        await Expect(page.Locator(".job")).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(page, "gallery-error", fullPage: false);

        // Correcting the input clears the mark; a valid request then goes through.
        await page.GetByLabel("Steps").FillAsync("2");
        await Expect(page.GetByLabel("Steps")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate" }).ClickAsync();
        await Expect(error).ToBeHiddenAsync();
        await Expect(page.Locator(".card.new .card-prompt")).ToHaveTextAsync("a field of tulips");
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Keyboard_alone_generates_opens_the_detail_view_and_closes_it()
    {
        var page = await fixture.OpenAsync("/");
        await Expect(page.Locator("#gallery-count")).Not.ToHaveTextAsync("Loading…");

        // The first Tab reaches the skip link, then the header; the prompt box is reachable by Tab alone.
        var prompt = page.GetByLabel("Prompt", new() { Exact = true });
        for (var i = 0; i < 10 && !await prompt.EvaluateAsync<bool>("e => e === document.activeElement"); i++)
            await page.Keyboard.PressAsync("Tab");
        await Expect(prompt).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("a paper boat on a pond");
        await page.Keyboard.PressAsync("Control+Enter");
        await Expect(page.Locator(".card.new .card-prompt")).ToHaveTextAsync("a paper boat on a pond");

        await page.Locator(".card.new .card-open").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeHiddenAsync();
        // Focus returns to the card that opened the view.
        await Expect(page.Locator(".card.new .card-open")).ToBeFocusedAsync();
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Every_input_on_both_pages_has_a_label_and_every_button_a_name()
    {
        foreach (var path in new[] { "/", "/dashboard" })
        {
            var page = await fixture.OpenAsync(path);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            var unlabelled = await page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('input, select, textarea')]
                  .filter(e => e.labels.length === 0 && !e.getAttribute('aria-label'))
                  .map(e => e.outerHTML)
                """);
            Assert.True(unlabelled.Length == 0, $"{path}: inputs without a label: {string.Join(", ", unlabelled)}");
            var nameless = await page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('button, a')]
                  .filter(e => !(e.getAttribute('aria-label') || e.textContent.trim()))
                  .map(e => e.outerHTML)
                """);
            Assert.True(nameless.Length == 0, $"{path}: buttons or links without a name: {string.Join(", ", nameless)}");
            await page.CloseAsync();
        }
        fixture.AssertNoScriptErrors();
    }
}
