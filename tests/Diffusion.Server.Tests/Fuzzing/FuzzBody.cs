using System.Text;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// A request body: literal bytes, optionally with <see cref="FillLength"/> copies of <see cref="Fill"/>
/// between <see cref="Head"/> and <see cref="Tail"/>, so a multi-megabyte body costs nothing until sent.
/// </summary>
public sealed record FuzzBody(byte[] Head, int FillLength = 0, byte Fill = (byte)'a', byte[]? Tail = null)
{
    public static FuzzBody Text(string text) => new(Encoding.UTF8.GetBytes(text));

    public long Length => Head.Length + FillLength + (Tail?.Length ?? 0);

    /// <summary>Set when the wire should carry the body in chunks rather than with a Content-Length.</summary>
    public bool Chunked { get; init; }

    public byte[] Materialize()
    {
        if (FillLength == 0 && Tail is null) return Head;
        var bytes = new byte[Length];
        Head.CopyTo(bytes, 0);
        bytes.AsSpan(Head.Length, FillLength).Fill(Fill);
        Tail?.CopyTo(bytes, Head.Length + FillLength);
        return bytes;
    }

    public string Describe()
    {
        var shown = Encoding.UTF8.GetString(Head, 0, Math.Min(Head.Length, 120));
        var more = Length > 120 ? $"...({Length} bytes)" : "";
        return $"body{(Chunked ? " (chunked)" : "")} '{FuzzRequest.Escape(shown)}'{more}";
    }
}
