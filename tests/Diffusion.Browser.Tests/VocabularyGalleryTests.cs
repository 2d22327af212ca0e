using System.Text.RegularExpressions;
using Diffusion.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Diffusion.Browser.Tests;

/// <summary>The gallery on a closed-world model: example prompts, suggestions while typing, the warning before an unknown word.</summary>
public sealed class VocabularyGalleryTests(ClosedWorldFixture fixture) : IClassFixture<ClosedWorldFixture>
{
    private static ILocator Prompt(IPage page) => page.GetByLabel("Prompt", new() { Exact = true });

    [Fact]
    public async Task Example_prompts_fill_the_box_and_the_model_s_world_is_listed()
    {
        var page = await fixture.OpenAsync("/");
        var examples = page.Locator("#examples button.chip");
        await Expect(examples.First).ToBeVisibleAsync();
        Assert.True(await examples.CountAsync() >= 4);
        var first = await examples.First.TextContentAsync();
        await Expect(Prompt(page)).ToHaveAttributeAsync("placeholder", first!);

        await examples.Nth(2).ClickAsync();
        await Expect(Prompt(page)).ToHaveValueAsync((await examples.Nth(2).TextContentAsync())!);

        await page.Locator("#vocabulary summary").ClickAsync();
        await Expect(page.Locator("#vocabulary")).ToContainTextAsync("94 objects:");
        await Expect(page.Locator("#vocabulary")).ToContainTextAsync("12 colours:");
        await Expect(page.Locator("#vocabulary")).ToContainTextAsync(new Regex(@"large \(\d+ px of 64\)"));
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Typing_suggests_vocabulary_words_that_complete_the_current_word()
    {
        var page = await fixture.OpenAsync("/");
        await Expect(page.Locator("#examples button.chip").First).ToBeVisibleAsync();
        await Prompt(page).PressSequentiallyAsync("a large ca");
        var cat = page.Locator("#suggestions button.chip", new() { HasTextRegex = new Regex("^cat$") });
        await Expect(cat).ToBeVisibleAsync();
        await cat.ClickAsync();
        await Expect(Prompt(page)).ToHaveValueAsync("a large cat ");
        await Expect(page.Locator("#suggestions button.chip")).ToHaveCountAsync(0);
        fixture.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_prompt_with_unknown_words_is_warned_about_before_it_is_generated()
    {
        var page = await fixture.OpenAsync("/");
        await Expect(page.Locator("#examples button.chip").First).ToBeVisibleAsync();
        await Prompt(page).FillAsync("a watercolor fox next to a cat");
        var generate = page.Locator("#generate-button");
        await generate.ClickAsync();

        var warning = page.Locator("#prompt-warning");
        await Expect(warning).ToBeVisibleAsync();
        await Expect(warning).ToContainTextAsync("This model does not know “watercolor” or “fox” and will ignore them.");
        await Expect(generate).ToHaveTextAsync("Generate anyway");
        await Expect(page.Locator(".job")).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(page, "gallery-vocabulary-warning");

        // Asked again, it generates.
        await generate.ClickAsync();
        await Expect(page.Locator(".job .job-prompt")).ToHaveTextAsync("a watercolor fox next to a cat");
        await Expect(warning).ToBeHiddenAsync();
        await Expect(page.Locator(".job .job-status")).ToHaveTextAsync(new Regex("^Done in"));

        // A prompt in the vocabulary goes straight through.
        await Prompt(page).FillAsync("a small cat in the center on a blue background");
        await generate.ClickAsync();
        await Expect(page.Locator(".job .job-prompt").Filter(new() { HasText = "a small cat in the center" })).ToHaveCountAsync(1);
        await Expect(warning).ToBeHiddenAsync();
        fixture.AssertNoScriptErrors();
    }
}
