using System.Text.Json;
using System.Text.Json.Serialization;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Diffusion;

/// <summary>
/// tests/models/sd-tiny-random/scheduler_reference.json (made by that folder's schedulers.py, diffusers'
/// schedulers written out in torch/numpy): timesteps, sigmas and init_noise_sigma per scheduler and
/// step count, and step traces on a small latent.
/// </summary>
public static class SchedulerReference
{
    public static string ModelDir => Path.Combine(TestPaths.RepoRoot, "tests", "models", "sd-tiny-random");

    public sealed record Case(string SourceConfig, string Scheduler, string? TimestepSpacingOverride, int NumInferenceSteps,
        float[] Timesteps, string TimestepsDtype, int ModelCalls, float InitNoiseSigma, float[]? Sigmas)
    {
        public override string ToString() => $"{SourceConfig} {Scheduler} {TimestepSpacingOverride ?? "-"} {NumInferenceSteps}";
    }

    public sealed record Call(float Timestep, float[] ModelInput, float[] ModelOutput, float[]? StepNoise, float[] PrevSample);

    public sealed record Trace(string Scheduler, string TimestepSpacing, int NumInferenceSteps, int[] Shape,
        [property: JsonPropertyName("noise_0")] float[] Noise0, float InitNoiseSigma, [property: JsonPropertyName("latents_0")] float[] Latents0, Call[] Calls)
    {
        public override string ToString() => $"{Scheduler} {TimestepSpacing} {NumInferenceSteps}";
    }

    public static JsonElement SourceConfigs { get; }

    public static IReadOnlyList<Case> Cases { get; }

    public static IReadOnlyList<Trace> StepTraces { get; }

    public static int[] AlphaIndices { get; }

    public static float[] AlphaValues { get; }

    static SchedulerReference()
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ModelDir, "scheduler_reference.json")));
        var root = doc.RootElement;
        SourceConfigs = root.GetProperty("source_configs").Clone();
        Cases = root.GetProperty("cases").Deserialize<Case[]>(options)!;
        StepTraces = root.GetProperty("step_traces").GetProperty("traces").Deserialize<Trace[]>(options)!;
        AlphaIndices = root.GetProperty("alphas_cumprod").GetProperty("indices").Deserialize<int[]>()!;
        AlphaValues = root.GetProperty("alphas_cumprod").GetProperty("values").Deserialize<float[]>()!;
    }

    public static TheoryData<int> CaseIndices => new(Enumerable.Range(0, Cases.Count));

    public static TheoryData<int> TraceIndices => new(Enumerable.Range(0, StepTraces.Count));
}
