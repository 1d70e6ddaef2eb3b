using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.Diffusion;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Diffusion;

/// <summary>
/// The schedulers against diffusers' numbers (<see cref="SchedulerReference"/>): timesteps equal,
/// sigmas and init_noise_sigma to float32 rounding, and whole step traces (scaled inputs and next
/// latents, with the reference's step noise) to 1e-5.
/// </summary>
public sealed class SchedulerTests
{
    /// <summary>
    /// A few float32 ULPs, relative: the betas come from torch.linspace, whose CPU kernel computes
    /// vector lanes as base + i·step (its SIMD width decides where), which this scalar rendering
    /// differs from by an ULP here and there; over the 1000-factor cumprod that leaves sigmas ~2 ULPs off.
    /// </summary>
    private const float Ulps = 5e-7f;

    private static DiffusionScheduler Make(SchedulerReference.Case c)
    {
        var config = SchedulerConfig.Parse(SchedulerReference.SourceConfigs.GetProperty(c.SourceConfig).GetRawText());
        if (c.TimestepSpacingOverride is { } spacing)
            config = config.With(new Dictionary<string, object?> { ["timestep_spacing"] = spacing });
        return DiffusionScheduler.Create(c.Scheduler, config);
    }

    [Theory]
    [MemberData(nameof(SchedulerReference.CaseIndices), MemberType = typeof(SchedulerReference))]
    public void Timesteps_and_sigmas_equal_diffusers(int index)
    {
        var expected = SchedulerReference.Cases[index];
        var scheduler = Make(expected);

        scheduler.SetTimesteps(expected.NumInferenceSteps);

        Assert.Equal(expected.Timesteps, scheduler.Timesteps.Select(t => (float)t));
        Assert.Equal(expected.ModelCalls, scheduler.Timesteps.Length);
        Assert.Equal(expected.InitNoiseSigma, scheduler.InitNoiseSigma, Ulps * Math.Max(1f, expected.InitNoiseSigma));
        if (expected.Sigmas is { } sigmas)
        {
            Assert.Equal(sigmas.Length, scheduler.Sigmas!.Length);
            for (var i = 0; i < sigmas.Length; i++)
                Assert.True(Math.Abs(sigmas[i] - scheduler.Sigmas[i]) <= Ulps * Math.Max(1f, sigmas[i]), $"sigma {i}: {scheduler.Sigmas[i]} vs {sigmas[i]}");
        }
    }

    [Fact]
    public void Alphas_cumprod_equal_diffusers()
    {
        var config = SchedulerConfig.Parse(SchedulerReference.SourceConfigs.GetProperty("fixture").GetRawText());
        var scheduler = DiffusionScheduler.Create(null, config);
        for (var i = 0; i < SchedulerReference.AlphaIndices.Length; i++)
            Assert.Equal(SchedulerReference.AlphaValues[i], scheduler.AlphasCumprod[SchedulerReference.AlphaIndices[i]], 1e-7f);
    }

    [Theory]
    [MemberData(nameof(SchedulerReference.TraceIndices), MemberType = typeof(SchedulerReference))]
    public void Step_traces_equal_diffusers(int index)
    {
        var trace = SchedulerReference.StepTraces[index];
        var config = SchedulerConfig.Parse(SchedulerReference.SourceConfigs.GetProperty("fixture").GetRawText())
            .With(new Dictionary<string, object?> { ["timestep_spacing"] = trace.TimestepSpacing });
        var scheduler = DiffusionScheduler.Create(trace.Scheduler, config);
        scheduler.SetTimesteps(trace.NumInferenceSteps);
        Assert.Equal(trace.InitNoiseSigma, scheduler.InitNoiseSigma, Ulps * Math.Max(1f, trace.InitNoiseSigma));
        var latents = trace.Noise0.Select(n => n * scheduler.InitNoiseSigma).ToArray();
        AssertClose(trace.Latents0, latents, "latents_0");
        Assert.Equal(trace.Calls.Length, scheduler.Timesteps.Length);
        for (var i = 0; i < trace.Calls.Length; i++)
        {
            var call = trace.Calls[i];
            Assert.Equal(call.Timestep, (float)scheduler.Timesteps[i]);
            var input = latents.ToArray();
            scheduler.ScaleModelInput(input, i);
            AssertClose(call.ModelInput, input, $"model_input {i}");
            var noise = new GivenNoise(call.StepNoise is { } n ? [n] : []);
            latents = scheduler.Step(call.ModelOutput, i, latents, noise);
            AssertClose(call.PrevSample, latents, $"prev_sample {i}");
        }
    }

    [SharedFact("the SD 1.5 scheduler config in _tokenizers/clip-sd")]
    public void Reads_sd15s_own_scheduler_config()
    {
        var config = SchedulerConfig.Parse(File.ReadAllText(Path.Combine(TestPaths.TokenizersDir, "clip-sd", "scheduler", "scheduler_config.json")));
        var scheduler = DiffusionScheduler.Create(null, config);
        scheduler.SetTimesteps(50);

        Assert.IsType<PndmScheduler>(scheduler);
        var expected = SchedulerReference.Cases.Single(c => c is { SourceConfig: "sd15", Scheduler: "PNDMScheduler", NumInferenceSteps: 50 });
        Assert.Equal(expected.Timesteps, scheduler.Timesteps.Select(t => (float)t));
        // SD 1.5's 50 steps, read off diffusers' set_timesteps by hand: leading spacing 20 apart from
        // steps_offset 1, the second-to-last repeated (PLMS without PRK), descending.
        Assert.Equal(51, scheduler.Timesteps.Length);
        Assert.Equal([981, 961, 961, 941], scheduler.Timesteps[..4]);
        Assert.Equal(1, scheduler.Timesteps[^1]);
    }

    [Fact]
    public void Hand_checked_values()
    {
        // SD-Turbo's config: Euler, trailing: 1 step → timestep 999; 4 steps → 999, 749, 499, 249.
        var turbo = SchedulerConfig.Parse("""{"_class_name":"EulerDiscreteScheduler","beta_schedule":"scaled_linear","beta_start":0.00085,"beta_end":0.012,"timestep_spacing":"trailing","steps_offset":1}""");
        var euler = DiffusionScheduler.Create(null, turbo);
        euler.SetTimesteps(4);
        Assert.Equal([999.0, 749, 499, 249], euler.Timesteps);
        euler.SetTimesteps(1);
        Assert.Equal([999.0], euler.Timesteps);
        // trailing: init_noise_sigma is the largest sigma itself, sqrt((1 - ā) / ā) at t = 999 (ā ≈ 0.00466).
        Assert.Equal(MathF.Sqrt((1 - euler.AlphasCumprod[999]) / euler.AlphasCumprod[999]), euler.InitNoiseSigma);
        Assert.InRange(euler.InitNoiseSigma, 14.6f, 14.7f);
        // LCM, 4 steps of 50 original ones (k = 20): 999, 759, 499, 259.
        var lcm = DiffusionScheduler.Create("LCMScheduler", turbo);
        lcm.SetTimesteps(4);
        Assert.Equal([999.0, 759, 499, 259], lcm.Timesteps);
    }

    [Fact]
    public void Unknown_scheduler_is_refused_in_words()
    {
        var error = Assert.Throws<InferenceException>(() => DiffusionScheduler.Create("DPMSolverMultistepScheduler", SchedulerConfig.Empty));
        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        Assert.Contains("EulerDiscreteScheduler", error.Message);
        var lcm = DiffusionScheduler.Create("LCMScheduler", SchedulerConfig.Empty);
        Assert.Equal(InferenceErrorKind.InvalidInput, Assert.Throws<InferenceException>(() => lcm.SetTimesteps(51)).Kind);
    }

    [Fact]
    public void Pndm_refuses_more_steps_than_its_schedule_holds_naming_the_most_that_fit()
    {
        // SD 1.5's PNDM (leading, steps_offset 1): 1000 steps would reach timestep 1000, past alphas_cumprod's end.
        var sd15 = SchedulerConfig.Parse("""{"_class_name":"PNDMScheduler","beta_schedule":"scaled_linear","beta_start":0.00085,"beta_end":0.012,"skip_prk_steps":true,"steps_offset":1}""");
        var pndm = DiffusionScheduler.Create(null, sd15);

        var error = Assert.Throws<InferenceException>(() => pndm.SetTimesteps(1000));

        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        Assert.Contains("can be at most 999 with PNDMScheduler", error.Message, StringComparison.Ordinal);
        pndm.SetTimesteps(999);
        Assert.Equal(999, pndm.Timesteps.Max());
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[i])), $"{what}[{i}]: {actual[i]} vs {expected[i]}");
    }
}
