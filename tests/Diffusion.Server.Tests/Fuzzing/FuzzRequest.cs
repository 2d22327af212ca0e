using System.Text;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// One generated request, kept as the exact text that goes on the wire: the method, the request
/// target and header lines as Latin-1 (so a raw 0xFF or NUL byte can be written), and the body.
/// <see cref="Target"/> may hold <see cref="KnownIds.ImageToken"/> or <see cref="KnownIds.JobToken"/>,
/// replaced at send time by an id the server really issued.
/// </summary>
/// <param name="Endpoint">The route it aims at, for the summary (e.g. "POST /v1/images/generations").</param>
/// <param name="Recipe">How it was made (grammar branch, mutations), printed when it breaks an invariant.</param>
/// <param name="Expect">What a success (2xx) must look like for this request, see <see cref="SuccessRules"/>.</param>
public sealed record FuzzRequest(
    string Endpoint,
    string Recipe,
    string Method,
    string Target,
    IReadOnlyList<(string Name, string Value)> Headers,
    FuzzBody? Body,
    Expectation Expect)
{
    /// <summary>The request breaks HTTP framing or Kestrel's limits, so Kestrel may answer it before the application runs.</summary>
    public bool TransportMayRefuse => TransportRules.MayRefuse(this);

    public string? Header(string name) =>
        Headers.LastOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) is { Name: not null } h ? h.Value : null;

    public bool HasHeader(string name) => Headers.Any(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>One line for a failure report: method, target and long header values clipped, the body's start and size.</summary>
    public string Describe()
    {
        var target = Target.Length <= 160 ? Target : Target[..160] + $"...({Target.Length} chars)";
        var headers = string.Join(", ", Headers.Select(h => h.Value.Length <= 60 ? $"{h.Name}: {h.Value}" : $"{h.Name}: ({h.Value.Length} chars)"));
        var body = Body is null ? "no body" : Body.Describe();
        return $"{Method} {Escape(target)} [{Escape(headers)}] {body} <- {Recipe}";
    }

    internal static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text) builder.Append(c < 0x20 || c is >= '\u007f' and <= '\u00ff' ? $"\\x{(int)c:x2}" : c.ToString());
        return builder.ToString();
    }
}
