using FsCheck;
using FsCheck.Fluent;

namespace Diffusion.Server.Tests.Fuzzing;

/// <summary>
/// Values for the {id} segment of image, job and model routes, as raw request-target text: real ids
/// (<see cref="KnownIds"/> tokens), well-formed unknown ones, and the classic attacks on ids used as
/// file names (dot segments plain, percent-encoded, double-encoded and overlong, encoded and back
/// slashes, NUL, raw bytes) and ids longer than Kestrel's 8 KB request line.
/// </summary>
public static class PathSegments
{
    public static readonly string[] Traversals =
    [
        "..", "../", "..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%2E%2E/%2E%2E/etc/passwd", "..%5c..%5cwindows%5cwin.ini",
        "..\\..\\windows\\win.ini", "%252e%252e%252fetc%252fpasswd", "%c0%ae%c0%ae%c0%af", "....//....//etc/passwd", "..;/..;/etc/passwd",
        "%2e%2e", "%2e", ".", "...", "images%2f..%2f..%2fimages", "%00", "a%00b", "img_00000000000000000000%00.png", "%ff%fe", "%", "%zz",
        "%u002e%u002e", "%e2%80%ae", "..%00/", "%2f", "%5c", "~", "~root", "*", "$", "%20", "+", ";", "a;b=c", "@", "()", "'", "%27%20OR%201=1",
        "{}", "[]", "%7b%7d", "CON", "nul", "aux.png", "a:b", "c:%5cwindows", "%0d%0aSet-Cookie:%20x=y",
    ];

    /// <summary>Bytes HTTP forbids in a request target; Kestrel may refuse these itself.</summary>
    public static readonly string[] RawForbidden = ["\u0000", "a\u0000b", "\u00ff", "\u00e9", "a b", "\t", "#frag", "a\"b", "<x>", "\u007f", "|", "^", "`"];

    /// <summary>Ids from 100 characters to 20 000 (past the 8 KB request line).</summary>
    public static Gen<string> Long => Gen.Choose(100, 20_000).SelectMany(n => Gen.Elements(
        new string('a', n), "img_" + new string('0', n), string.Concat(Enumerable.Repeat("../", n / 3)), string.Concat(Enumerable.Repeat("%2e", n / 3))));

    public static Gen<string> ImageId => Gen.Frequency(
        (4, Gen.Constant(KnownIds.ImageToken)),
        (2, Hex(20).Select(h => "img_" + h)),
        (1, Gen.Elements("img_", "img_0", "IMG_00000000000000000000", "img_0000000000000000000g", "img_000000000000000000000", "generations",
            "img_00000000000000000000/metadata", "img_%30%30000000000000000000", "img\u005f00000000000000000000", "img_ＡＢ")),
        (5, Mutated(KnownIds.ImageToken)),
        (5, Gen.Elements(Traversals)),
        (1, Gen.Elements(RawForbidden)),
        (1, Long));

    public static Gen<string> JobId => Gen.Frequency(
        (4, Gen.Constant(KnownIds.JobToken)),
        (2, Hex(24).Select(h => "job_" + h)),
        (1, Gen.Elements("job_", "JOB_000000000000000000000000", "job_00000000000000000000000g", "12345", "job_%30")),
        (5, Mutated(KnownIds.JobToken)),
        (5, Gen.Elements(Traversals)),
        (1, Gen.Elements(RawForbidden)),
        (1, Long));

    public static Gen<string> ModelId => Gen.Frequency(
        (3, Gen.Elements("test-model", "TEST-MODEL", "test-model ", "test%2dmodel", "dall-e-3", "gpt-image-1", "model", "")),
        (3, Gen.Elements(Traversals)),
        (1, Gen.Elements(RawForbidden)),
        (1, Long));

    /// <summary>A real id with something around it: a suffix segment, dot segments, encoded separators, a case change.</summary>
    private static Gen<string> Mutated(string token) => Gen.Elements(
        token + "/..", token + "/../..", token + "%2f..", token + "%2f..%2f..%2fetc%2fpasswd", token + "/../../" + token, "../" + token,
        "..%2f" + token, token + "%00", token + ".png", token + "\\..\\x", token + "%5c..", token + "/", token + "x", token + "%20",
        token + "?x=1", token + ";x", "%2e/" + token, token + "/%2e%2e/%2e%2e/" + token);

    private static Gen<string> Hex(int length) =>
        Gen.ArrayOf(Gen.Elements("0123456789abcdef".ToCharArray()), length).Select(chars => new string(chars));
}
