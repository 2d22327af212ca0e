using System.Text.Json;
using Diffusion.Engine.Text;

namespace Diffusion.Engine.Tests.Llm;

public sealed class LlmTextCodecTests
{
    private static LlmTextCodec Codec() => LlmTextCodec.Load(TinyLlmFixture.TokenizerDirectory, TinyLlmFixture.Model.Config);

    [Fact]
    public void Prompts_encode_to_the_reference_ids()
    {
        LlmTextCodec codec = Codec();
        foreach (JsonElement prompt in TinyLlmFixture.Reference.GetProperty("prompts").EnumerateArray())
        {
            int[] expected = TinyLlmFixture.Ints(prompt.GetProperty("ids"));
            Assert.Equal(expected, codec.EncodePrompt(prompt.GetProperty("loose").GetString()!));
        }
    }

    [Fact]
    public void Text_with_digits_punctuation_and_unicode_round_trips_like_the_python_tokenizer()
    {
        LlmTextCodec codec = Codec();
        foreach (JsonElement c in TinyLlmFixture.Reference.GetProperty("tokenizer_cases").EnumerateArray())
        {
            int[] ids = codec.Encode(c.GetProperty("text").GetString()!);
            Assert.Equal(TinyLlmFixture.Ints(c.GetProperty("ids")), ids);
            Assert.Equal(c.GetProperty("decoded").GetString(), codec.Decode(ids));
        }
    }

    [Fact]
    public void Decoding_skips_the_markers_and_ends_words_with_spaces()
    {
        LlmTextCodec codec = Codec();
        int[] ids = [codec.StartOfTextId, .. codec.Encode("a red fox"), codec.EndOfTextId];
        Assert.Equal("a red fox", codec.Decode(ids));
        Assert.Throws<ArgumentException>(() => codec.Decode([100000]));
        Assert.Throws<ArgumentException>(() => codec.EncodePrompt("  "));
    }
}
