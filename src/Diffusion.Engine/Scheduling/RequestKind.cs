namespace Diffusion.Engine.Scheduling;

public enum RequestKind
{
    Llm,
    Diffusion,
}

public enum RequestState
{
    /// <summary>Queued; holds no blocks (new, or preempted for recompute).</summary>
    Waiting,

    /// <summary>Holds blocks and takes part in iterations.</summary>
    Running,

    /// <summary>Preempted; its blocks' content is in host memory.</summary>
    Swapped,

    Finished,
}

/// <summary>Why a request ended.</summary>
public enum FinishReason
{
    /// <summary>End-of-text, a stop sequence, or (diffusion) the last step.</summary>
    Stop,

    /// <summary>The token limit or the model's context was reached.</summary>
    Length,

    Cancelled,

    DeadlineExceeded,

    /// <summary>It can never fit the memory budget or the model (see the message).</summary>
    Rejected,

    /// <summary>A runner failed while working on it.</summary>
    Failed,
}

/// <summary>How batches form.</summary>
public enum BatchingMode
{
    /// <summary>Orca: requests join and leave at every iteration boundary.</summary>
    IterationLevel,

    /// <summary>A batch is formed, then runs until its longest member finishes before anyone joins.</summary>
    RequestLevel,
}

/// <summary>What happens to a preempted LLM request's KV blocks.</summary>
public enum PreemptionMode
{
    /// <summary>Drop them; on resume, prefill prompt and generated tokens again.</summary>
    Recompute,

    /// <summary>Copy them to host memory; copy them back on resume.</summary>
    Swap,
}
