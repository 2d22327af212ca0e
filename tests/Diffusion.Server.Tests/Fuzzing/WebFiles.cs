using System.Security.Cryptography;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// The web folder's files by content hash: a success on a static or unknown path must serve one of
/// them, so a traversal that reached a file outside the folder (a dll, appsettings, /etc/passwd) shows.
/// </summary>
public sealed class WebFiles
{
    private readonly byte[][] files;
    private readonly HashSet<string> hashes;

    public WebFiles(string directory)
    {
        files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Select(File.ReadAllBytes).ToArray();
        hashes = files.Select(bytes => Convert.ToHexString(SHA256.HashData(bytes))).ToHashSet();
    }

    public int Count => hashes.Count;

    public bool Contains(byte[] body) => hashes.Contains(Convert.ToHexString(SHA256.HashData(body)));

    /// <summary>Whether <paramref name="part"/> is a run of bytes inside one of the files: what a 206 answer to a Range may serve.</summary>
    public bool ContainsPart(byte[] part) => part.Length > 0 && files.Any(file => file.AsSpan().IndexOf(part) >= 0);

    /// <summary>An API route, matched as routing does (case-insensitively, after percent-decoding); its successes answer JSON.</summary>
    public bool IsApiPath(string target)
    {
        var path = target.Split('?')[0];
        if (path.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0)   // absolute form: http://host/path
            path = path.IndexOf('/', scheme + 3) is var slash and >= 0 ? path[slash..] : "/";
        while (path.Contains("//", StringComparison.Ordinal)) path = path.Replace("//", "/", StringComparison.Ordinal);
        // Routing ignores a trailing slash ("/healthz/" is /healthz).
        return RouteCatalog.IsApiPath(Uri.UnescapeDataString(path).ToLowerInvariant().TrimEnd('/'));
    }
}
