using System.Buffers.Text;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// A raw HTTP/1.1 client over a TCP socket, one connection per request (<c>Connection: close</c>).
/// HttpClient cannot send what the fuzzer needs: <see cref="Uri"/> folds backslashes and removes
/// dot segments before a request leaves, and the handler refuses control bytes in headers. This
/// writes the bytes as given and reads whatever the server answers.
/// </summary>
public sealed class WireClient(string host, int port, TimeSpan timeout)
{
    private static readonly Encoding Latin1 = Encoding.Latin1;

    public async Task<WireResponse> SendAsync(FuzzRequest request, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, deadline.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return WireResponse.None($"connect failed: {ex.Message}");
        }

        // Written and read at once: a server may answer (413, 431) before it has read the whole request.
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var writing = WriteAsync(stream, request, deadline.Token);
        var reading = ReadToEndAsync(stream, deadline.Token);
        byte[] received;
        try
        {
            received = await reading;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return WireResponse.None($"no complete answer within {timeout.TotalSeconds:0} s");
        }
        try
        {
            await writing;
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            // The server stopped reading once it had answered; the answer is what counts.
        }
        return Parse(received, bodyless: request.Method == "HEAD");
    }

    private static async Task WriteAsync(Stream stream, FuzzRequest request, CancellationToken cancellationToken)
    {
        var body = request.Body?.Materialize();
        var head = new StringBuilder();
        head.Append(request.Method).Append(' ').Append(request.Target).Append(" HTTP/1.1\r\n");
        if (!request.HasHeader("Host")) head.Append("Host: 127.0.0.1\r\n");
        foreach (var (name, value) in request.Headers) head.Append(name).Append(": ").Append(value).Append("\r\n");
        head.Append("Connection: close\r\n");
        if (body is not null && request.Body!.Chunked) head.Append("Transfer-Encoding: chunked\r\n");
        // A Transfer-Encoding the case set itself means its body is already framed (or deliberately misframed).
        else if (body is not null && !request.HasHeader("Content-Length") && !request.HasHeader("Transfer-Encoding"))
            head.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        head.Append("\r\n");
        await stream.WriteAsync(Latin1.GetBytes(head.ToString()), cancellationToken);
        if (body is null) return;
        if (!request.Body!.Chunked)
        {
            await stream.WriteAsync(body, cancellationToken);
            return;
        }
        for (var offset = 0; offset < body.Length; offset += 64 * 1024)
        {
            var length = Math.Min(64 * 1024, body.Length - offset);
            await stream.WriteAsync(Latin1.GetBytes($"{length:x}\r\n"), cancellationToken);
            await stream.WriteAsync(body.AsMemory(offset, length), cancellationToken);
            await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
        }
        await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken);
    }

    private static async Task<byte[]> ReadToEndAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0) buffer.Write(chunk, 0, read);
        }
        catch (IOException) when (buffer.Length > 0)
        {
            // A reset after the answer arrived (the server closed with our request unread): keep what came.
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Status line, headers, and the body (de-chunked when the server chunked it); interim 1xx answers
    /// (100 Continue) are skipped; <paramref name="bodyless"/> for an answer to HEAD.
    /// </summary>
    public static WireResponse Parse(byte[] received, bool bodyless)
    {
        while (received.AsSpan().StartsWith("HTTP/1.1 1"u8) && received.AsSpan().IndexOf("\r\n\r\n"u8) is var interim and >= 0)
            received = received[(interim + 4)..];
        var end = received.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0) return WireResponse.None(received.Length == 0 ? "connection closed without an answer" : "answer has no complete head");
        var lines = Latin1.GetString(received, 0, end).Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(status[1], out var code))
            return WireResponse.None($"malformed status line '{lines[0]}'");
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Select(p => (p[0].Trim(), p.Length > 1 ? p[1].Trim() : "")).ToList();
        var body = received.AsSpan(end + 4).ToArray();
        var response = new WireResponse(code, headers, body);
        if (bodyless) return response;
        if (response.Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
            return Dechunk(body) is { } plain ? response with { Body = plain } : WireResponse.None("malformed chunked body");
        return response;
    }

    private static byte[]? Dechunk(byte[] body)
    {
        using var plain = new MemoryStream();
        var rest = body.AsSpan();
        while (true)
        {
            var lineEnd = rest.IndexOf("\r\n"u8);
            if (lineEnd < 0) return null;
            var sizeText = rest[..lineEnd];
            var semicolon = sizeText.IndexOf((byte)';');
            if (semicolon >= 0) sizeText = sizeText[..semicolon];
            if (!Utf8Parser.TryParse(sizeText, out int size, out _, 'x') || size < 0) return null;
            rest = rest[(lineEnd + 2)..];
            if (size == 0) return plain.ToArray();
            if (rest.Length < size + 2) return null;
            plain.Write(rest[..size]);
            rest = rest[(size + 2)..];
        }
    }
}
