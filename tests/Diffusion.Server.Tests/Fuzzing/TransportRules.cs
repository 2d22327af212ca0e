namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// Whether Kestrel may answer a request itself, before the application sees it: the request line
/// over 8 KB (414), headers over 32 KB or 100 (431), bytes HTTP/1.1 forbids in the target, a
/// header name or value (400), or a broken Host, Content-Length or Transfer-Encoding (400). Those
/// answers have an empty body, as they never reach the app's error handling.
/// </summary>
public static class TransportRules
{
    public const int MaxRequestLine = 8 * 1024;
    public const int MaxHeadersTotal = 32 * 1024;
    public const int MaxHeaderCount = 100;

    public static bool MayRefuse(FuzzRequest request) =>
        request.Method.Length + request.Target.Length + 12 > MaxRequestLine
        || request.Headers.Count + 3 > MaxHeaderCount
        || request.Headers.Sum(h => h.Name.Length + h.Value.Length + 4) + 64 > MaxHeadersTotal
        || !request.Method.All(IsTokenChar)
        || !request.Target.All(IsTargetChar)
        || request.Target.Split('?')[0].Contains("%00", StringComparison.Ordinal)
        || request.Headers.Any(h => !h.Name.All(IsTokenChar) || h.Value.Any(c => c is < ' ' and not '\t' or > '\u007e'))
        || request.Headers.Any(h => h.Name is "Host" or "Content-Length" or "Transfer-Encoding")
        || request.Target.StartsWith('*') || !request.Target.StartsWith('/');

    // RFC 9110 tchar.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    // What a request target may hold: RFC 3986 unreserved, sub-delims, ':', '@', '/', '?', '%'; not '#', space, quotes or controls.
    private static bool IsTargetChar(char c) => char.IsAsciiLetterOrDigit(c) || "-._~!$&'()*+,;=:@/?%".Contains(c);
}
