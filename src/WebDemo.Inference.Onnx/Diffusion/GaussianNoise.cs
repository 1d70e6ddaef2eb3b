namespace WebDemo.Inference.Onnx.Diffusion;

/// <summary>
/// The pipeline's seeded standard-normal noise: the same seed gives the same numbers in the same
/// order on every run. The bits come from xoshiro256** (Blackman and Vigna, https://prng.di.unimi.it/,
/// public domain), its four words seeded from the 64-bit seed by SplitMix64 as its authors advise; a
/// uniform double takes the top 53 bits; pairs of uniforms become two normals by the Box–Muller
/// transform (u1 in (0, 1]: sqrt(-2 ln u1)·cos(2π u2) and ·sin(2π u2)), rounded to float32.
/// Not torch's generator: the same seed gives other images than diffusers' would.
/// </summary>
internal sealed class GaussianNoise : INoiseSource
{
    private ulong _s0, _s1, _s2, _s3;
    private float? _spare;

    public GaussianNoise(long seed)
    {
        var x = unchecked((ulong)seed);
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    public void Fill(Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
            destination[i] = Next();
    }

    public float Next()
    {
        if (_spare is { } spare)
        {
            _spare = null;
            return spare;
        }
        var u1 = 1.0 - NextDouble(); // (0, 1]: the logarithm stays finite
        var u2 = NextDouble();
        var radius = Math.Sqrt(-2.0 * Math.Log(u1));
        var angle = 2.0 * Math.PI * u2;
        _spare = (float)(radius * Math.Sin(angle));
        return (float)(radius * Math.Cos(angle));
    }

    /// <summary>A uniform double in [0, 1) from the top 53 bits.</summary>
    private double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    private ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    private static ulong SplitMix64(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>Noise given in advance (the reference's noise file), handed out in order; running out is an error.</summary>
internal sealed class GivenNoise(IEnumerable<float[]> arrays) : INoiseSource
{
    private readonly Queue<float[]> _arrays = new(arrays);

    public void Fill(Span<float> destination)
    {
        if (!_arrays.TryDequeue(out var next))
            throw new InvalidOperationException("The given noise has no more arrays.");
        if (next.Length != destination.Length)
            throw new InvalidOperationException($"The given noise array has {next.Length} values; {destination.Length} were needed.");
        next.CopyTo(destination);
    }
}
