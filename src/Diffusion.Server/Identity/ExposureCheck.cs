using System.Net;

namespace Diffusion.Server.Identity;

/// <summary>Refuses to serve an open (keyless) API on an address other machines can reach.</summary>
public static class ExposureCheck
{
    /// <summary>The addresses among <paramref name="urls"/> that are not loopback (wildcards count as reachable).</summary>
    public static IReadOnlyList<string> ReachableFromOutside(IEnumerable<string> urls) =>
        urls.Where(url => !IsLoopback(url)).ToList();

    /// <summary>The message when keys are missing for <paramref name="reachable"/>, or null when serving is safe.</summary>
    public static string? Problem(IEnumerable<string> urls, ApiKeyRing keys)
    {
        if (!keys.IsOpen) return null;
        var reachable = ReachableFromOutside(urls);
        if (reachable.Count == 0) return null;
        return $"{string.Join(", ", reachable)} can be reached from other machines, and no API keys are configured, so anyone " +
               "could use the service. Add a key with `./run.sh keys add --tenant NAME [--role admin]` (it writes " +
               $"{{data-dir}}/{ApiKeyFile.DefaultName}) or set DIFFUSION_API_KEYS='{ApiKeyText.Format}', " +
               "or listen on 127.0.0.1 only.";
    }

    private static bool IsLoopback(string url)
    {
        // Kestrel's wildcards ("*", "+", "0.0.0.0", "[::]") listen on every interface.
        var normalised = url.Replace("://*", "://wildcard.invalid").Replace("://+", "://wildcard.invalid");
        if (!Uri.TryCreate(normalised, UriKind.Absolute, out var uri)) return false;
        if (uri.IsLoopback) return true;
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}
