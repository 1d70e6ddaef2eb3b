namespace WebDemo.Inference.Onnx.Diffusion;

/// <summary>
/// scheduling_pndm.py's PNDMScheduler with <c>skip_prk_steps</c> (Stable Diffusion 1.x's config):
/// pseudo linear multistep, no Runge-Kutta warm-up. n steps make n + 1 UNet calls: the second
/// repeats the first timestep's partner. init_noise_sigma 1, the UNet input unscaled.
/// </summary>
internal sealed class PndmScheduler : DiffusionScheduler
{
    private readonly string _spacing;
    private readonly int _stepsOffset;
    private readonly float _finalAlphaCumprod;
    private readonly List<float[]> _ets = [];
    private float[]? _curSample;
    private int _counter;

    public PndmScheduler(SchedulerConfig config) : base(config)
    {
        if (!config.Bool("skip_prk_steps", false))
            throw Unsupported("PNDMScheduler without skip_prk_steps (its Runge-Kutta warm-up)");
        _spacing = config.String("timestep_spacing", "leading");
        _stepsOffset = config.Int("steps_offset", 0);
        _finalAlphaCumprod = config.Bool("set_alpha_to_one", false) ? 1f : AlphasCumprod[0];
    }

    public override string Name => "PNDMScheduler";

    public override float InitNoiseSigma => 1f;

    public override void SetTimesteps(int steps)
    {
        var n = TrainTimesteps;
        // diffusers indexes alphas_cumprod with these and fails past the schedule's end (1000 steps
        // with steps_offset 1 reach timestep 1000): refused in words, with the most that fit.
        if (!Fits(steps))
        {
            var most = Enumerable.Range(1, Math.Min(steps, n)).Last(Fits);
            throw new Errors.InferenceException(Errors.InferenceErrorKind.InvalidInput,
                $"\"num_inference_steps\" can be at most {most} with PNDMScheduler on this model's schedule ({n} training timesteps); {steps} was asked.");
        }
        InferenceSteps = steps;
        var ts = TimestepsFor(steps);
        // skip_prk_steps: [ts[:-1], ts[-2:-1], ts[-1:]] reversed.
        var plms = ts[..^1].Concat(ts.Length >= 2 ? [ts[^2]] : []).Append(ts[^1]).Reverse();
        Timesteps = [.. plms.Select(t => (double)t)];
        _ets.Clear();
        _counter = 0;
        _curSample = null;
    }

    private long[] TimestepsFor(int steps)
    {
        var n = TrainTimesteps;
        return _spacing switch
        {
            "linspace" => [.. NumpyLinspace(0, n - 1, steps).Select(v => (long)RoundEven(v))],
            "leading" => [.. Enumerable.Range(0, steps).Select(i => (long)i * (n / steps) + _stepsOffset)],
            "trailing" => [.. NumpyArange(n, 0, -(double)n / steps).Select(v => (long)RoundEven(v) - 1).Reverse()],
            var other => throw Unsupported($"timestep_spacing \"{other}\""),
        };
    }

    private bool Fits(int steps) => steps >= 1 && steps <= TrainTimesteps && TimestepsFor(steps).All(t => t >= 0 && t < TrainTimesteps);

    public override float[] Step(ReadOnlySpan<float> modelOutput, int index, float[] sample, INoiseSource noise)
    {
        var timestep = (int)Timesteps[index];
        var ratio = TrainTimesteps / InferenceSteps;
        var prevTimestep = timestep - ratio;
        var output = modelOutput.ToArray();
        if (_counter != 1)
        {
            if (_ets.Count > 3)
                _ets.RemoveRange(0, _ets.Count - 3);
            _ets.Add(output);
        }
        else
        {
            prevTimestep = timestep;
            timestep += ratio;
        }

        float[] combined;
        if (_ets.Count == 1 && _counter == 0)
        {
            combined = output;
            _curSample = sample;
        }
        else if (_ets.Count == 1 && _counter == 1)
        {
            var e1 = _ets[^1];
            combined = new float[output.Length];
            for (var i = 0; i < combined.Length; i++)
                combined[i] = (output[i] + e1[i]) / 2f;
            sample = _curSample!;
            _curSample = null;
        }
        else
        {
            combined = new float[output.Length];
            var e1 = _ets[^1];
            var e2 = _ets[^2];
            if (_ets.Count == 2)
            {
                for (var i = 0; i < combined.Length; i++)
                    combined[i] = (3f * e1[i] - e2[i]) / 2f;
            }
            else if (_ets.Count == 3)
            {
                var e3 = _ets[^3];
                for (var i = 0; i < combined.Length; i++)
                    combined[i] = (23f * e1[i] - 16f * e2[i] + 5f * e3[i]) / 12f;
            }
            else
            {
                var (e3, e4) = (_ets[^3], _ets[^4]);
                const float oneOver24 = (float)(1.0 / 24);
                for (var i = 0; i < combined.Length; i++)
                    combined[i] = oneOver24 * (55f * e1[i] - 59f * e2[i] + 37f * e3[i] - 9f * e4[i]);
            }
        }
        var previous = PreviousSample(sample, timestep, prevTimestep, combined);
        _counter++;
        return previous;
    }

    /// <summary>_get_prev_sample: formula (9) of the PNDM paper.</summary>
    private float[] PreviousSample(float[] sample, int timestep, int prevTimestep, float[] output)
    {
        var alpha = AlphasCumprod[timestep];
        var alphaPrev = prevTimestep >= 0 ? AlphasCumprod[prevTimestep] : _finalAlphaCumprod;
        var beta = 1f - alpha;
        var betaPrev = 1f - alphaPrev;
        if (PredictionType == "v_prediction")
        {
            var (sa, sb) = (MathF.Sqrt(alpha), MathF.Sqrt(beta));
            for (var i = 0; i < output.Length; i++)
                output[i] = sa * output[i] + sb * sample[i];
        }
        var sampleCoeff = MathF.Sqrt(alphaPrev / alpha);
        var denominator = alpha * MathF.Sqrt(betaPrev) + MathF.Sqrt(alpha * beta * alphaPrev);
        var difference = alphaPrev - alpha;
        var result = new float[sample.Length];
        for (var i = 0; i < result.Length; i++)
            result[i] = sampleCoeff * sample[i] - difference * output[i] / denominator;
        return result;
    }

    /// <summary>np.linspace(start, stop, n) in float64 (endpoint included).</summary>
    internal static double[] NumpyLinspace(double start, double stop, int n, bool endpoint = true)
    {
        var div = endpoint ? n - 1 : n;
        var result = new double[n];
        if (div <= 0)
        {
            if (n > 0)
                result[0] = start;
            return result;
        }
        var step = (stop - start) / div;
        for (var i = 0; i < n; i++)
            result[i] = i * step + start;
        if (endpoint && n > 1)
            result[^1] = stop;
        return result;
    }

    /// <summary>np.arange(start, stop, step) in float64: ceil((stop - start) / step) values start + i·step.</summary>
    internal static double[] NumpyArange(double start, double stop, double step)
    {
        var length = Math.Max(0, (int)Math.Ceiling((stop - start) / step));
        return [.. Enumerable.Range(0, length).Select(i => start + i * step)];
    }
}

/// <summary>The timesteps and sigmas EulerDiscreteScheduler and EulerAncestralDiscreteScheduler share.</summary>
internal abstract class EulerSchedulerBase : DiffusionScheduler
{
    private readonly string _spacing;
    private readonly int _stepsOffset;

    protected EulerSchedulerBase(SchedulerConfig config) : base(config)
    {
        _spacing = config.String("timestep_spacing", "linspace");
        _stepsOffset = config.Int("steps_offset", 0);
        if (_spacing is not ("linspace" or "leading" or "trailing"))
            throw Unsupported($"timestep_spacing \"{_spacing}\"");
        if (config.Bool("use_karras_sigmas", false) || config.Bool("use_exponential_sigmas", false) || config.Bool("use_beta_sigmas", false))
            throw Unsupported("karras, exponential or beta sigmas");
        if (config.String("interpolation_type", "linear") != "linear")
            throw Unsupported($"interpolation_type \"{config.String("interpolation_type", "")}\"");
        if (config.String("timestep_type", "discrete") != "discrete")
            throw Unsupported($"timestep_type \"{config.String("timestep_type", "")}\"");
        // The sigmas of all train timesteps, so init_noise_sigma is right before set_timesteps, as in diffusers.
        Sigmas = TrainSigmas();
    }

    /// <summary>The last sigma: 0, or EulerDiscrete's final_sigmas_type "sigma_min".</summary>
    protected virtual float LastSigma => 0f;

    public override float InitNoiseSigma
    {
        get
        {
            var max = Sigmas!.Max();
            return _spacing is "linspace" or "trailing" ? max : MathF.Sqrt(max * max + 1f);
        }
    }

    /// <summary>sqrt((1 - alphas_cumprod) / alphas_cumprod) in float32.</summary>
    private float[] TrainSigmas() => [.. AlphasCumprod.Select(a => MathF.Sqrt((1f - a) / a))];

    public override void SetTimesteps(int steps)
    {
        InferenceSteps = steps;
        var n = TrainTimesteps;
        float[] ts = _spacing switch
        {
            "linspace" => [.. PndmScheduler.NumpyLinspace(0, n - 1, steps).Select(v => (float)v).Reverse()],
            "leading" => [.. Enumerable.Range(0, steps).Reverse().Select(i => (float)RoundEven((double)i * (n / steps)) + _stepsOffset)],
            _ => [.. PndmScheduler.NumpyArange(n, 0, -(double)n / steps).Select(v => (float)RoundEven(v) - 1f)],
        };
        var train = TrainSigmas();
        Sigmas = [.. ts.Select(t => (float)Interp(t, train)), LastSigma];
        Timesteps = [.. ts.Select(t => (double)t)];
    }

    /// <summary>np.interp(x, arange(len(fp)), fp) in float64.</summary>
    private static double Interp(double x, float[] fp)
    {
        if (x <= 0)
            return fp[0];
        if (x >= fp.Length - 1)
            return fp[^1];
        var j = (int)Math.Floor(x);
        if (j == x)
            return fp[j];
        var slope = ((double)fp[j + 1] - fp[j]) / 1.0;
        return slope * (x - j) + fp[j];
    }

    public override void ScaleModelInput(Span<float> sample, int index)
    {
        var sigma = Sigmas![index];
        var scale = MathF.Sqrt(sigma * sigma + 1f);
        for (var i = 0; i < sample.Length; i++)
            sample[i] /= scale;
    }

    /// <summary>The denoised estimate x0 of the model output at noise level <paramref name="sigma"/>.</summary>
    protected float PredictOriginal(float output, float sample, float sigma) => PredictionType == "v_prediction"
        ? output * (-sigma / MathF.Sqrt(sigma * sigma + 1f)) + sample / (sigma * sigma + 1f)
        : sample - sigma * output;
}

/// <summary>
/// scheduling_euler_discrete.py's EulerDiscreteScheduler (s_churn 0, linear interpolation of the
/// sigmas, final_sigmas_type "zero" or "sigma_min"); timestep_spacing linspace, leading or trailing
/// (SD-Turbo's). Timesteps are float32, fed to the UNet as its input's dtype says.
/// </summary>
internal sealed class EulerDiscreteScheduler(SchedulerConfig config) : EulerSchedulerBase(config)
{
    public override string Name => "EulerDiscreteScheduler";

    protected override float LastSigma => Config.String("final_sigmas_type", "zero") switch
    {
        "zero" => 0f,
        "sigma_min" => MathF.Sqrt((1f - AlphasCumprod[0]) / AlphasCumprod[0]),
        var other => throw Unsupported($"final_sigmas_type \"{other}\""),
    };

    public override float[] Step(ReadOnlySpan<float> modelOutput, int index, float[] sample, INoiseSource noise)
    {
        var sigmaHat = Sigmas![index]; // gamma = 0: s_churn is 0
        var dt = Sigmas[index + 1] - sigmaHat;
        var result = new float[sample.Length];
        for (var i = 0; i < result.Length; i++)
        {
            var original = PredictOriginal(modelOutput[i], sample[i], sigmaHat);
            var derivative = (sample[i] - original) / sigmaHat;
            result[i] = sample[i] + derivative * dt;
        }
        return result;
    }
}

/// <summary>
/// scheduling_euler_ancestral_discrete.py's EulerAncestralDiscreteScheduler: an Euler step down to
/// sigma_down, then fresh noise times sigma_up; the noise is drawn at every step (the last one too,
/// where sigma_up is 0), as diffusers draws it.
/// </summary>
internal sealed class EulerAncestralDiscreteScheduler(SchedulerConfig config) : EulerSchedulerBase(config)
{
    public override string Name => "EulerAncestralDiscreteScheduler";

    public override bool DrawsNoise => true;

    public override float[] Step(ReadOnlySpan<float> modelOutput, int index, float[] sample, INoiseSource noise)
    {
        var sigma = Sigmas![index];
        var sigmaTo = Sigmas[index + 1];
        var sigmaUp = MathF.Sqrt(sigmaTo * sigmaTo * (sigma * sigma - sigmaTo * sigmaTo) / (sigma * sigma));
        var sigmaDown = MathF.Sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
        var dt = sigmaDown - sigma;
        var fresh = new float[sample.Length];
        noise.Fill(fresh);
        var result = new float[sample.Length];
        for (var i = 0; i < result.Length; i++)
        {
            var original = PredictOriginal(modelOutput[i], sample[i], sigma);
            var derivative = (sample[i] - original) / sigma;
            result[i] = sample[i] + derivative * dt + fresh[i] * sigmaUp;
        }
        return result;
    }
}

/// <summary>
/// scheduling_lcm.py's LCMScheduler (strength 1): few-step consistency sampling on a subset of
/// original_inference_steps timesteps; each step takes the boundary-condition denoised estimate and,
/// but at the last step, noises it back to the next timestep with fresh noise.
/// </summary>
internal sealed class LcmScheduler : DiffusionScheduler
{
    private readonly float _finalAlphaCumprod;

    public LcmScheduler(SchedulerConfig config) : base(config, 0.00085, 0.012, "scaled_linear")
    {
        _finalAlphaCumprod = config.Bool("set_alpha_to_one", true) ? 1f : AlphasCumprod[0];
        OriginalInferenceSteps = config.Int("original_inference_steps", 50);
    }

    public override string Name => "LCMScheduler";

    public int OriginalInferenceSteps { get; }

    public override float InitNoiseSigma => 1f;

    public override bool DrawsNoise => true;

    public override void SetTimesteps(int steps)
    {
        var original = OriginalInferenceSteps;
        if (original > TrainTimesteps || steps > original || steps > TrainTimesteps)
            throw new Errors.InferenceException(Errors.InferenceErrorKind.InvalidInput,
                $"LCMScheduler takes at most {Math.Min(original, TrainTimesteps)} steps (original_inference_steps); {steps} were asked.");
        InferenceSteps = steps;
        var k = TrainTimesteps / original;
        var origin = Enumerable.Range(1, original).Select(i => (long)i * k - 1).Reverse().ToArray();
        var indices = PndmScheduler.NumpyLinspace(0, origin.Length, steps, endpoint: false).Select(v => (int)Math.Floor(v));
        Timesteps = [.. indices.Select(i => (double)origin[i])];
    }

    public override float[] Step(ReadOnlySpan<float> modelOutput, int index, float[] sample, INoiseSource noise)
    {
        var timestep = (int)Timesteps[index];
        var prevTimestep = index + 1 < Timesteps.Length ? (int)Timesteps[index + 1] : timestep;
        var alpha = AlphasCumprod[timestep];
        var alphaPrev = prevTimestep >= 0 ? AlphasCumprod[prevTimestep] : _finalAlphaCumprod;
        var (sqrtAlpha, sqrtBeta) = (MathF.Sqrt(alpha), MathF.Sqrt(1f - alpha));
        var (sqrtAlphaPrev, sqrtBetaPrev) = (MathF.Sqrt(alphaPrev), MathF.Sqrt(1f - alphaPrev));
        // get_scalings_for_boundary_condition_discrete, sigma_data 0.5.
        var scaled = timestep * (float)Config.Double("timestep_scaling", 10.0);
        var cSkip = 0.25f / (scaled * scaled + 0.25f);
        var cOut = scaled / MathF.Sqrt(scaled * scaled + 0.25f);
        var clip = Config.Bool("clip_sample", false);
        var range = (float)Config.Double("clip_sample_range", 1.0);
        var last = index == InferenceSteps - 1;
        var fresh = last ? null : new float[sample.Length];
        if (fresh is not null)
            noise.Fill(fresh);
        var result = new float[sample.Length];
        for (var i = 0; i < result.Length; i++)
        {
            var original = PredictionType == "v_prediction"
                ? sqrtAlpha * sample[i] - sqrtBeta * modelOutput[i]
                : (sample[i] - sqrtBeta * modelOutput[i]) / sqrtAlpha;
            if (clip)
                original = Math.Clamp(original, -range, range);
            var denoised = cOut * original + cSkip * sample[i];
            result[i] = fresh is null ? denoised : sqrtAlphaPrev * denoised + sqrtBetaPrev * fresh[i];
        }
        return result;
    }
}
