using System.Text;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>A JSON object as a list of raw key and value texts, written with a chosen spacing; keys may repeat.</summary>
public sealed record JsonObjectText(IReadOnlyList<(string Key, string Value)> Fields, bool Spaced = false)
{
    public string Write()
    {
        var separator = Spaced ? ",\n  " : ",";
        var colon = Spaced ? " : " : ":";
        var body = string.Join(separator, Fields.Select(f => $"\"{f.Key}\"{colon}{f.Value}"));
        return Spaced ? "{\n  " + body + "\n}" : "{" + body + "}";
    }

    public byte[] Bytes() => Encoding.UTF8.GetBytes(Write());

    public string Keys => string.Join(",", Fields.Select(f => f.Key.Length <= 20 ? f.Key : f.Key[..20] + "..."));
}
