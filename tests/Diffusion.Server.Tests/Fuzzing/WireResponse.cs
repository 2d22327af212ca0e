using System.Text;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>What came back for one request: a parsed HTTP/1.1 response, or why there was none.</summary>
public sealed record WireResponse(int Status, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body, string? Failure = null)
{
    public static WireResponse None(string failure) => new(0, [], [], failure);

    public string? Header(string name) =>
        Headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) is { Name: not null } h ? h.Value : null;

    public string? MediaType => Header("Content-Type")?.Split(';')[0].Trim();

    public string BodyText => Encoding.UTF8.GetString(Body);

    public string Describe()
    {
        if (Failure is not null) return $"no response: {Failure}";
        var text = BodyText;
        return $"{Status} {MediaType ?? "(no content type)"} {(text.Length <= 300 ? text : text[..300] + "...")}";
    }
}
