using WebDemo.Inference.Errors;

namespace WebDemo.Inference.Onnx.Diffusion;

/// <summary>
/// A diffusers noise scheduler, written from diffusers' source (src/diffusers/schedulers/, read at
/// commit 58eb52c0): the timesteps of a run, how the UNet's input is scaled at each, and the step
/// from one latent to the next. Arithmetic is float32 where diffusers keeps float32 tensors and
/// float64 where it uses numpy, so the numbers are diffusers' own. One instance serves one run.
/// </summary>
internal abstract class DiffusionScheduler
{
    /// <summary>The diffusers class names this app implements, for requests and error messages.</summary>
    public static readonly IReadOnlyList<string> Known =
        ["PNDMScheduler", "EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler", "LCMScheduler"];

    protected DiffusionScheduler(SchedulerConfig config, double betaStart = 0.0001, double betaEnd = 0.02, string betaSchedule = "linear")
    {
        Config = config;
        TrainTimesteps = config.Int("num_train_timesteps", 1000);
        PredictionType = config.String("prediction_type", "epsilon");
        if (PredictionType is not ("epsilon" or "v_prediction"))
            throw Unsupported($"prediction_type \"{PredictionType}\"");
        var betas = Betas(config, TrainTimesteps, betaStart, betaEnd, betaSchedule);
        AlphasCumprod = CumulativeProduct(betas);
    }

    public SchedulerConfig Config { get; }

    /// <summary>The diffusers class name.</summary>
    public abstract string Name { get; }

    public int TrainTimesteps { get; }

    public string PredictionType { get; }

    /// <summary>cumprod(1 - betas), float32 values accumulated in float64 (torch.cumprod on the CPU).</summary>
    public float[] AlphasCumprod { get; }

    /// <summary>The timesteps of the run, one UNet call each (float32 values; integers for PNDM and LCM).</summary>
    public double[] Timesteps { get; protected set; } = [];

    /// <summary>The noise levels of Euler schedulers (one more than the timesteps, the last 0); null for the others.</summary>
    public float[]? Sigmas { get; protected set; }

    /// <summary>The steps asked for (PNDM makes one UNet call more).</summary>
    public int InferenceSteps { get; protected set; }

    /// <summary>What the initial Gaussian noise is multiplied by.</summary>
    public abstract float InitNoiseSigma { get; }

    /// <summary>Whether <see cref="Step"/> draws fresh noise (ancestral and LCM sampling).</summary>
    public virtual bool DrawsNoise => false;

    public abstract void SetTimesteps(int steps);

    /// <summary>The UNet's input at step <paramref name="index"/>, in place (identity for PNDM and LCM).</summary>
    public virtual void ScaleModelInput(Span<float> sample, int index)
    {
    }

    /// <summary>
    /// The latent after step <paramref name="index"/> from the (guided) model output. <paramref name="noise"/>
    /// is drawn from only by schedulers that draw noise, in diffusers' order.
    /// </summary>
    public abstract float[] Step(ReadOnlySpan<float> modelOutput, int index, float[] sample, INoiseSource noise);

    /// <summary>
    /// The scheduler <paramref name="name"/> names (a diffusers class name), or the config's own when
    /// <paramref name="name"/> is null, built from <paramref name="config"/> as diffusers'
    /// <c>from_config</c> does: the keys the class knows, its own defaults for the rest.
    /// </summary>
    public static DiffusionScheduler Create(string? name, SchedulerConfig config)
    {
        var className = name ?? config.ClassName ?? "PNDMScheduler";
        return className switch
        {
            "PNDMScheduler" => new PndmScheduler(config),
            "EulerDiscreteScheduler" => new EulerDiscreteScheduler(config),
            "EulerAncestralDiscreteScheduler" => new EulerAncestralDiscreteScheduler(config),
            "LCMScheduler" => new LcmScheduler(config),
            _ when name is not null => throw new InferenceException(InferenceErrorKind.InvalidInput,
                $"Unknown scheduler \"{name}\"; the local pipeline has {string.Join(", ", Known)}."),
            _ => throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"The model's scheduler_config.json names {className}, which the local pipeline does not implement; choose one of {string.Join(", ", Known)}."),
        };
    }

    protected static InferenceException Unsupported(string what) => new(InferenceErrorKind.ModelUnavailable,
        $"The scheduler config has {what}, which the local pipeline does not implement.");

    /// <summary>
    /// The betas of <c>__init__</c>: trained_betas, "linear" (torch.linspace in float32),
    /// "scaled_linear" (linspace of the square roots, squared) or "squaredcos_cap_v2".
    /// </summary>
    private static float[] Betas(SchedulerConfig config, int n, double defaultStart, double defaultEnd, string defaultSchedule)
    {
        if (config.Doubles("trained_betas") is { } trained)
            return [.. trained.Select(b => (float)b)];
        var start = config.Double("beta_start", defaultStart);
        var end = config.Double("beta_end", defaultEnd);
        switch (config.String("beta_schedule", defaultSchedule))
        {
            case "linear":
                return LinspaceF32(start, end, n);
            case "scaled_linear":
                return [.. LinspaceF32(Math.Sqrt(start), Math.Sqrt(end), n).Select(b => b * b)];
            case "squaredcos_cap_v2":
                static double AlphaBar(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);
                return [.. Enumerable.Range(0, n).Select(i => (float)Math.Min(1 - AlphaBar((i + 1.0) / n) / AlphaBar((double)i / n), 0.999))];
            case var other:
                throw Unsupported($"beta_schedule \"{other}\"");
        }
    }

    /// <summary>torch.linspace(start, end, n, dtype=float32) as its CPU kernel computes it: the first half from the start, the second from the end.</summary>
    internal static float[] LinspaceF32(double start, double end, int n)
    {
        var (s, e) = ((float)start, (float)end);
        if (n == 1)
            return [s];
        var step = (e - s) / (n - 1);
        var halfway = n / 2;
        var result = new float[n];
        for (var i = 0; i < n; i++)
            result[i] = i < halfway ? s + step * i : e - step * (n - i - 1);
        return result;
    }

    private static float[] CumulativeProduct(float[] betas)
    {
        var result = new float[betas.Length];
        var product = 1.0;
        for (var i = 0; i < betas.Length; i++)
        {
            product *= (float)(1f - betas[i]);
            result[i] = (float)product;
        }
        return result;
    }

    /// <summary>np.round (half to even) of a float64.</summary>
    protected static double RoundEven(double x) => Math.Round(x, MidpointRounding.ToEven);
}

/// <summary>Where schedulers and the pipeline take Gaussian noise from, in order.</summary>
internal interface INoiseSource
{
    void Fill(Span<float> destination);
}
