using System.Globalization;

namespace Diffusion.Cli.Soak;

/// <summary>What /proc/PID/status and /proc/PID/fd say about one process at one moment.</summary>
public sealed record ProcessSample(int Pid, double At, long? PeakRssBytes, long? RssBytes, int? Threads, int? OpenFiles);

/// <summary>Reads the few numbers of <c>/proc/PID/status</c> the soak follows (Linux only).</summary>
public static class ProcStatus
{
    /// <summary>VmHWM, VmRSS (in kB in the file, bytes here) and Threads; null for a line that is missing.</summary>
    public static (long? PeakRssBytes, long? RssBytes, int? Threads) Parse(string status)
    {
        long? hwm = null, rss = null;
        int? threads = null;
        foreach (var line in status.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var key = line[..colon];
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "VmHWM": hwm = Kilobytes(value); break;
                case "VmRSS": rss = Kilobytes(value); break;
                case "Threads" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t): threads = t; break;
            }
        }
        return (hwm, rss, threads);
    }

    /// <summary>A sample of a running process; null when it is gone (or this is not Linux).</summary>
    public static ProcessSample? Sample(int pid, double at)
    {
        try
        {
            var (hwm, rss, threads) = Parse(File.ReadAllText($"/proc/{pid}/status"));
            int? files = null;
            try { files = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count(); }
            catch (UnauthorizedAccessException) { /* another user's process: no fd count */ }
            return new ProcessSample(pid, at, hwm, rss, threads, files);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long? Kilobytes(string value)
    {
        var number = value.EndsWith("kB", StringComparison.Ordinal) ? value[..^2].Trim() : value;
        return long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
    }
}
