namespace Diffusion.Replay.Traces;

/// <summary>Why a request of a generated trace has the prompt it has.</summary>
public enum TraceRequestKind
{
    /// <summary>A fresh scene: the start of a user's edit session.</summary>
    New,

    /// <summary>The user sends their previous prompt again (a re-roll with a new seed).</summary>
    ExactRepeat,

    /// <summary>The user's previous prompt with exactly one attribute changed.</summary>
    Edit,

    /// <summary>
    /// A scene drawn from the shared pool of popular scenes by Zipf popularity. The first draw of a
    /// pool scene in a trace is not yet a repeat; later draws are.
    /// </summary>
    PopularRepeat,
}

/// <summary>One request of a generated trace; <see cref="At"/> is the time since the trace began.</summary>
public sealed record TraceRequest(int Index, TimeSpan At, string User, string Prompt, long Seed, TraceRequestKind Kind);
