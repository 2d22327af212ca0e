using FsCheck;
using FsCheck.Fluent;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// Headers the fuzzer adds: Content-Type (the reader's classification of each is restated in
/// <see cref="GenerationBodyOracle"/>), garbage Authorization (no keys are configured, so the server
/// must ignore it), headers past Kestrel's 32 KB total and 100-count limits, and odd conditional,
/// range and encoding headers that static files and the API must shrug off.
/// </summary>
public static class HeaderValues
{
    public static readonly string[] JsonContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8", "application/json; charset=utf8",
        "Application/JSON", "application/vnd.openai+json", "application/problem+json", "application/json; charset=\"utf-8\"",
    ];

    public static readonly string[] WrongContentTypes =
    [
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "application/octet-stream",
        "application/json; charset=latin1", "application/json; charset=utf-16", "text/json", "application/jsonx", "json",
    ];

    /// <summary>Neither clearly JSON nor clearly not: the oracle makes no claim about these.</summary>
    public static readonly string[] GarbageContentTypes =
        ["", " ", "///", "application/json;;", "application/json; charset=", "application/*", "*/*", ";", "application/json, text/plain", "a/b/c"];

    public static Gen<string?> ContentType => Gen.Frequency(
        (12, Gen.Constant<string?>("application/json")),
        (3, Gen.Elements(JsonContentTypes).Select(s => (string?)s)),
        (2, Gen.Elements(WrongContentTypes).Select(s => (string?)s)),
        (1, Gen.Elements(GarbageContentTypes).Select(s => (string?)s)),
        (1, Gen.Constant<string?>(null)));

    public static Gen<string> Authorization => Gen.Frequency(
        (3, Gen.Elements("Bearer", "Bearer ", "bearer sk-test", "Bearer sk-" + new string('x', 48), "Basic dXNlcjpwYXNz", "Bearer null",
            "Bearer \"quoted\"", "Token abc", "Bearer a b c", "Bearer ../../etc/passwd", "Bearer %00", "Negotiate", "Bearer \u00ff\u00fe")),
        (2, Gen.ArrayOf(Gen.Choose(0x21, 0x7e).Select(c => (char)c)).Select(chars => "Bearer " + new string(chars))),
        (1, Gen.Choose(1000, 40_000).Select(n => "Bearer " + new string('A', n))),
        (1, Gen.Elements("Bearer a\u0000b", "Bearer \u0001", "Bearer \u007f")));

    /// <summary>Request headers beside the ones a route needs, each list possibly empty.</summary>
    public static Gen<IReadOnlyList<(string, string)>> Extra => Gen.Frequency(
        (10, Gen.Constant<IReadOnlyList<(string, string)>>([])),
        (4, Authorization.Select(value => (IReadOnlyList<(string, string)>)[("Authorization", value)])),
        (1, Gen.Choose(1_000, 70_000).Select(n => (IReadOnlyList<(string, string)>)[("X-Fuzz-Padding", new string('h', n))])),
        (1, Gen.Choose(50, 150).Select(n => (IReadOnlyList<(string, string)>)[.. Enumerable.Range(0, n).Select(i => ($"X-Fuzz-{i}", "v"))])),
        (2, Gen.Elements<(string, string)>(
                ("Accept", "image/webp"), ("Accept", "\u00ff"), ("Accept-Encoding", "gzip, br, zstd"), ("Content-Encoding", "gzip"),
                ("Range", "bytes=0-0"), ("Range", "bytes=99999999-"), ("Range", "bytes=-0"), ("Range", "garbage"),
                ("If-None-Match", "*"), ("If-None-Match", "\"x\""), ("If-Modified-Since", "yesterday"), ("If-Match", "\"nope\""),
                ("If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"), ("Expect", "100-continue"), ("Expect", "the unexpected"),
                ("X-Forwarded-For", "::1, 10.0.0.1"), ("X-Forwarded-Host", "evil.example"), ("Cookie", "a=b; " + new string('c', 100)),
                ("Host", "evil.example"), ("Host", ""), ("Host", "a b"), ("Origin", "null"), ("Accept-Language", "*;q=2"),
                ("Content-Length", "abc"), ("Content-Length", "-1"), ("Transfer-Encoding", "gzip"), ("X-Bad\u0001Name", "v"),
                ("X-Latin1", "caf\u00e9"), ("X-Ctl", "a\u0000b"))
            .Select(h => (IReadOnlyList<(string, string)>)[h])));
}
