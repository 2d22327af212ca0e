namespace Diffusion.Replay;

/// <summary>Exit codes of <c>replay</c>.</summary>
public static class ReplayExitCodes
{
    public const int Ok = 0;

    /// <summary>Bad options or an unreadable trace; nothing was sent.</summary>
    public const int BadInput = 1;

    /// <summary>The server could not be reached or (in-process) started; nothing was sent.</summary>
    public const int ServerUnavailable = 2;

    /// <summary>Requests were lost or a server counter disagrees with the replay's count.</summary>
    public const int AcceptanceFailed = 3;

    /// <summary>Stopped by Ctrl+C or SIGTERM; everything up to then was written.</summary>
    public const int Interrupted = 130;
}
