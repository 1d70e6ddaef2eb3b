using System.Text.Json;
using WebDemo.Inference.Onnx.Tests.Diffusion;

namespace WebDemo.Inference.Onnx.Tests.Tasks.TextToImage;

/// <summary>
/// tests/models/sd-tiny-random/reference.json and noise.bin: diffusers' StableDiffusionPipeline on
/// the tiny fixture in torch (pipeline_reference.py), with its noise read from noise.bin.
/// </summary>
public static class StableDiffusionReference
{
    public sealed record NoiseArray(string What, int Offset, int[] Shape);

    public sealed record Case(string Name, string Prompt, string? NegativePrompt, double GuidanceScale, int NumInferenceSteps,
        string SchedulerClass, string? TimestepSpacing, int Width, int Height, int[] InputIds, int[]? NegativeInputIds,
        float[] PromptEmbedsFirst8, float[] Timesteps, NoiseArray[] NoiseArrays, int UnetCalls, float[] FinalLatents, string ImageRgbBase64)
    {
        public override string ToString() => Name;
    }

    private sealed record File_(Case[] Cases);

    public static IReadOnlyList<Case> Cases { get; } = JsonSerializer.Deserialize<File_>(
        File.ReadAllText(Path.Combine(SchedulerReference.ModelDir, "reference.json")),
        new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower })!.Cases;

    private static readonly float[] Noise = ReadNoise();

    private static float[] ReadNoise()
    {
        var bytes = File.ReadAllBytes(Path.Combine(SchedulerReference.ModelDir, "noise.bin"));
        var floats = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, floats, 0, floats.Length * 4);
        return floats;
    }

    /// <summary>The case's noise arrays in the order the pipeline draws them.</summary>
    public static IEnumerable<float[]> NoiseFor(Case c) =>
        c.NoiseArrays.Select(a => Noise.AsSpan(a.Offset, a.Shape.Aggregate(1, (x, y) => x * y)).ToArray());

    public static TheoryData<string> Names => new(Cases.Select(c => c.Name));
}
