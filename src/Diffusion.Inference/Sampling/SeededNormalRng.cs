namespace Diffusion.Inference.Sampling;

/// <summary>
/// Seeded standard-normal numbers that a Python script can replicate exactly:
/// <list type="number">
/// <item>state: four 64-bit words from splitmix64 started at the seed (state += 0x9E3779B97F4A7C15;
///   z = (z ^ z>>30)·0xBF58476D1CE4E5B9; z = (z ^ z>>27)·0x94D049BB133111EB; z ^ z>>31);</item>
/// <item>xoshiro256**: result = rotl(s1·5, 7)·9, then the standard xoshiro256 state update (t = s1&lt;&lt;17 ...
///   s3 = rotl(s3, 45));</item>
/// <item>uniform u = (next &gt;&gt; 11)·2⁻⁵³ in [0, 1);</item>
/// <item>Box–Muller on u1 = 1 − u (never 0) and u2: r = sqrt(−2 ln u1), emit r·cos(2π u2) then
///   r·sin(2π u2), each rounded to float32.</item>
/// </list>
/// tests/fixtures/sd15-conformance/make_fixture.py (NormalRng) is the Python twin.
/// </summary>
public sealed class SeededNormalRng
{
    private readonly Xoshiro256 _bits;
    private double _spare;
    private bool _hasSpare;

    public SeededNormalRng(ulong seed) => _bits = new Xoshiro256(seed);

    public double NextNormal()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }
        var u1 = 1.0 - NextUniform();
        var u2 = NextUniform();
        var r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = r * Math.Sin(2.0 * Math.PI * u2);
        _hasSpare = true;
        return r * Math.Cos(2.0 * Math.PI * u2);
    }

    public void Fill(Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)NextNormal();
        }
    }

    public double NextUniform() => _bits.NextUniform();

    public ulong NextUInt64() => _bits.NextUInt64();
}
