using Diffusion.Engine.Llm;

namespace Diffusion.Engine.Text;

/// <summary>
/// The LLM's text side: encodes prompts in the documented format (<c>&lt;|startoftext|&gt;</c> + tokens of
/// <c>instruction + " " + loose_prompt + " =&gt;"</c>) and decodes generated tokens.
/// </summary>
public sealed class LlmTextCodec : ITokenDecoder
{
    private readonly ClipBpeTokenizer _tokenizer;
    private readonly ClipBpeDecoder _decoder;

    private LlmTextCodec(ClipBpeVocabulary vocabulary, string instruction)
    {
        _tokenizer = new ClipBpeTokenizer(vocabulary);
        _decoder = new ClipBpeDecoder(vocabulary);
        Instruction = instruction;
        StartOfTextId = vocabulary.StartId;
        EndOfTextId = vocabulary.EndId;
    }

    public string Instruction { get; }

    public int StartOfTextId { get; }

    public int EndOfTextId { get; }

    /// <summary>Loads a CLIP-format tokenizer folder; the instruction comes from the LLM's config.</summary>
    public static LlmTextCodec Load(string tokenizerDirectory, LlmConfig config)
    {
        var codec = new LlmTextCodec(ClipBpeVocabulary.Load(tokenizerDirectory), config.Instruction);
        if (codec.StartOfTextId != config.BosTokenId || codec.EndOfTextId != config.EosTokenId)
        {
            throw new InvalidDataException(
                $"{tokenizerDirectory}: start/end-of-text ids {codec.StartOfTextId}/{codec.EndOfTextId} differ from the LLM's "
                + $"bos/eos {config.BosTokenId}/{config.EosTokenId}");
        }

        return codec;
    }

    /// <summary>Token ids of text, without start/end markers.</summary>
    public int[] Encode(string text) => _tokenizer.Encode(text);

    /// <summary>The full prompt for expanding <paramref name="loosePrompt"/>.</summary>
    public int[] EncodePrompt(string loosePrompt)
    {
        if (string.IsNullOrWhiteSpace(loosePrompt))
        {
            throw new ArgumentException("the prompt to expand is empty");
        }

        return [StartOfTextId, .. _tokenizer.Encode(Instruction + " " + loosePrompt + " =>")];
    }

    public string Decode(ReadOnlySpan<int> ids) => _decoder.Decode(ids);
}
