namespace Diffusion.Inference.Tokenization;

/// <summary>
/// A prompt as the text encoder sees it: exactly <see cref="ClipTokenizer.ContextLength"/> ids,
/// BOS first, EOS after the last kept token, then padding.
/// </summary>
/// <param name="Ids">The padded ids.</param>
/// <param name="Truncated">True when the prompt did not fit and tokens were dropped before EOS.</param>
/// <param name="TokenCount">Tokens the whole prompt needs, BOS and EOS included (may exceed the context).</param>
public sealed record TokenizedPrompt(int[] Ids, bool Truncated, int TokenCount);
