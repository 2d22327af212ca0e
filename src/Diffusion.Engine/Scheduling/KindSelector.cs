namespace Diffusion.Engine.Scheduling;

/// <summary>
/// Smooth weighted round robin between LLM and diffusion iterations: when both kinds have work,
/// each gets its weight's share of iterations, interleaved, so neither starves. A kind alone gets
/// every iteration without banking credit for later.
/// </summary>
internal sealed class KindSelector(int llmWeight, int diffusionWeight)
{
    private int _llmCredit;
    private int _diffusionCredit;

    public RequestKind? Pick(bool llmHasWork, bool diffusionHasWork)
    {
        if (!llmHasWork && !diffusionHasWork)
        {
            return null;
        }

        if (!diffusionHasWork)
        {
            return RequestKind.Llm;
        }

        if (!llmHasWork)
        {
            return RequestKind.Diffusion;
        }

        _llmCredit += llmWeight;
        _diffusionCredit += diffusionWeight;
        if (_llmCredit >= _diffusionCredit)
        {
            _llmCredit -= llmWeight + diffusionWeight;
            return RequestKind.Llm;
        }

        _diffusionCredit -= llmWeight + diffusionWeight;
        return RequestKind.Diffusion;
    }
}
