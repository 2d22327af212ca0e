using Diffusion.Engine.Llm;
using Diffusion.Inference.Tokenization;

namespace Diffusion.Engine.Text;

/// <summary>
/// The LLM's text side: encodes prompts in the documented format (<c>&lt;|startoftext|&gt;</c> + tokens of
/// <c>instruction + " " + loose_prompt + " =&gt;"</c>) and decodes generated tokens, with the same CLIP tokenizer
/// the text encoder uses (<see cref="ClipTokenizer"/>, Microsoft.ML.Tokenizers' BPE).
/// </summary>
public sealed class LlmTextCodec : ITokenDecoder
{
    private readonly ClipTokenizer _tokenizer;

    private LlmTextCodec(ClipTokenizer tokenizer, string instruction)
    {
        _tokenizer = tokenizer;
        Instruction = instruction;
    }

    public string Instruction { get; }

    public int StartOfTextId => _tokenizer.StartOfTextId;

    public int EndOfTextId => _tokenizer.EndOfTextId;

    /// <summary>Loads a CLIP-format tokenizer folder; the instruction comes from the LLM's config.</summary>
    public static LlmTextCodec Load(string tokenizerDirectory, LlmConfig config)
    {
        var codec = new LlmTextCodec(ClipTokenizer.Load(tokenizerDirectory), config.Instruction);
        if (codec.StartOfTextId != config.BosTokenId || codec.EndOfTextId != config.EosTokenId)
        {
            throw new InvalidDataException(
                $"{tokenizerDirectory}: start/end-of-text ids {codec.StartOfTextId}/{codec.EndOfTextId} differ from the LLM's "
                + $"bos/eos {config.BosTokenId}/{config.EosTokenId}");
        }

        return codec;
    }

    /// <summary>Token ids of text, without start/end markers.</summary>
    public int[] Encode(string text) => [.. _tokenizer.EncodeBody(text)];

    /// <summary>The full prompt for expanding <paramref name="loosePrompt"/>.</summary>
    public int[] EncodePrompt(string loosePrompt)
    {
        if (string.IsNullOrWhiteSpace(loosePrompt))
        {
            throw new ArgumentException("the prompt to expand is empty");
        }

        return [StartOfTextId, .. _tokenizer.EncodeBody(Instruction + " " + loosePrompt + " =>")];
    }

    public string Decode(ReadOnlySpan<int> ids) => _tokenizer.Decode(ids);
}
