using Diffusion.Cli.Attacks;
using Diffusion.Evaluation.World;
using Diffusion.Server.Tests.Infrastructure;

namespace Diffusion.Server.Tests.Attacks;

/// <summary>The attacks' prompts: canonical, fresh for every trial, the same for the same seed.</summary>
public sealed class AttackPromptsTests
{
    private static readonly EmojiWorld World = EmojiWorld.Load(Path.Combine(Fixtures.ShippedModel, "world.json"));

    [Fact]
    public void Families_never_repeat_a_place_and_background()
    {
        var prompts = new AttackPrompts(World, seed: 1);
        var total = prompts.Remaining;
        var families = Enumerable.Range(0, total).Select(_ => prompts.NextFamily()).ToList();
        Assert.Equal(total, families.Select(f => (f.Position, f.Colour, f.Texture)).Distinct().Count());
        Assert.Equal(World.PositionPhrases.Count * World.Colours.Count * World.Textures.Count, total);
        Assert.Throws<InvalidOperationException>(() => prompts.NextFamily());
    }

    [Fact]
    public void Candidates_are_canonical_prompts_of_different_objects_in_one_family()
    {
        var prompts = new AttackPrompts(World, seed: 2);
        var family = prompts.NextFamily();
        var objects = prompts.Objects(8);
        var texts = objects.Select(o => prompts.Prompt(family, o)).ToList();
        Assert.Equal(8, texts.Distinct().Count());
        var parser = new CanonicalPromptParser(World);
        foreach (var (text, concept) in texts.Zip(objects))
        {
            var scene = parser.Parse(text);
            Assert.Equal(concept, scene.Items[0].Concept);
            Assert.Equal(family.Size, scene.Items[0].Size);
            Assert.Equal(family.Colour, scene.Colour);
            Assert.Equal(family.Texture, scene.Texture);
            Assert.Equal(family.Position, scene.Position);
            Assert.True(prompts.WasIssued(text));
        }
    }

    [Fact]
    public void A_plant_differs_from_the_victims_prompt_by_the_size_word_only()
    {
        var prompts = new AttackPrompts(World, seed: 3);
        var family = prompts.NextFamily();
        var victim = prompts.Prompt(family, "cat");
        var plant = prompts.Prompt(family, "cat", PoisoningAttack.PlantSize);
        Assert.NotEqual(victim, plant);
        Assert.Contains(family.Size, victim.Split(' '));
        Assert.Equal(victim.Split(' ').Where(w => w != family.Size && w is not ("a" or "an")), plant.Split(' ').Where(w => w is not ("a" or "an")));
    }

    [Fact]
    public void The_same_seed_gives_the_same_prompts_and_request_seeds()
    {
        static List<string> Draw(int seed)
        {
            var prompts = new AttackPrompts(World, seed);
            return [.. Enumerable.Range(0, 20).Select(_ => prompts.NextPrompt()), .. Enumerable.Range(0, 5).Select(_ => prompts.NextSeed().ToString())];
        }
        Assert.Equal(Draw(7), Draw(7));
        Assert.NotEqual(Draw(7), Draw(8));
    }
}
