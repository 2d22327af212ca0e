namespace Diffusion.Engine.Scheduling;

/// <summary>Runs one LLM iteration: the real <c>LlmRunner</c>, or a recording fake in scheduler tests.</summary>
public interface ILlmRunner
{
    LlmBatchOutput Execute(LlmBatchPlan batch);
}
