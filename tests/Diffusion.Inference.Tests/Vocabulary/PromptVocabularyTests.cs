using Diffusion.Inference.Vocabulary;

namespace Diffusion.Inference.Tests.Vocabulary;

/// <summary>Prompts read against the shipped model's vocabulary (models/world.json).</summary>
public sealed class PromptVocabularyTests
{
    private static readonly PromptVocabulary Shipped = new(ModelVocabulary.Load(TestPaths.OwnModels)!);

    [Fact]
    public void The_shipped_vocabulary_has_its_objects_colours_sizes_and_places()
    {
        var vocabulary = Shipped.Vocabulary;
        Assert.Equal(64, vocabulary.ImageSize);
        Assert.Equal(94, vocabulary.Objects.Count);
        Assert.Equal(12, vocabulary.Colours.Count);
        Assert.Contains(vocabulary.Sizes, s => s.Name == "large" && s.Pixels > 0);
        Assert.Contains(vocabulary.Positions, p => p.Name == "top left" && p.Phrase == "in the top left corner");
        Assert.Contains(vocabulary.Objects, o => o.Name == "bicycle" && o.Synonyms.Contains("bike"));
    }

    [Fact]
    public void Objects_are_found_by_name_plural_synonym_and_emoji_and_grammar_words_are_known()
    {
        var check = Shipped.Check("Two CATS to the left of a bike, and a 🚗 in the top right corner on a crimson striped background");
        Assert.Equal(["cat", "bicycle", "car"], check.Objects);
        Assert.Empty(check.UnknownWords);
    }

    [Fact]
    public void Words_outside_the_vocabulary_are_reported_once_each_in_order()
    {
        var check = Shipped.Check("a watercolor fox in a snowy forest, a fox again");
        Assert.Empty(check.Objects);
        Assert.Equal(["watercolor", "fox", "snowy", "forest", "again"], check.UnknownWords);
    }

    [Fact]
    public void Example_prompts_name_only_known_words_and_at_least_one_object_each()
    {
        var examples = Shipped.ExamplePrompts();
        Assert.True(examples.Count >= 4);
        Assert.All(examples, e =>
        {
            var check = Shipped.Check(e);
            Assert.NotEmpty(check.Objects);
            Assert.True(check.UnknownWords.Count == 0, $"'{e}' has unknown words: {string.Join(", ", check.UnknownWords)}");
        });
        Assert.Equal(examples.Count, examples.Distinct().Count());
    }

    [Fact]
    public void A_model_without_world_json_has_no_vocabulary_and_a_broken_one_is_a_clear_error()
    {
        Assert.Null(ModelVocabulary.Load(Path.Combine(TestPaths.Fixture, "model")));
        var folder = Directory.CreateTempSubdirectory("diffusion-vocabulary-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, ModelVocabulary.FileName), "{\"image_size\": 64}");
            var error = Assert.Throws<InvalidDataException>(() => ModelVocabulary.Load(folder));
            Assert.Contains("world.json is not a model vocabulary", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
