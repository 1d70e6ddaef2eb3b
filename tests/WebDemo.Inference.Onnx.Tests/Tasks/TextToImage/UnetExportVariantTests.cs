using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Diffusion;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Tasks.TextToImage;
using WebDemo.Inference.Onnx.Tests.Diffusion;
using WebDemo.Inference.Tasks.TextToImage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace WebDemo.Inference.Onnx.Tests.Tasks.TextToImage;

/// <summary>A fact that runs only where the environment variable names a folder (built outside the repository).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FolderFactAttribute : FactAttribute
{
    public FolderFactAttribute(string variable, string what)
    {
        if (Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } dir || !Directory.Exists(dir))
            Skip = $"set {variable} to {what}";
    }
}

/// <summary>
/// The pipeline on other UNet exports of the same tiny weights, which the fixture's make_model.py
/// builds outside the repository: float16 (inputs, outputs and weights) and Optimum's older int64
/// [batch] timestep. WEBDEMO_SD_UNET_VARIANTS names the folder holding them as
/// <c>sdtiny-unet-fp16/unet/model.onnx</c> and <c>sdtiny-unet-legacy/unet/model.onnx</c>:
///   /usr/bin/python3 tests/models/sd-tiny-random/make_model.py --unet-only --out /tmp/sdtiny-unet --fp16 --skip-node
///   /usr/bin/python3 tests/models/sd-tiny-random/make_model.py --unet-only --out /tmp/sdtiny-unet-legacy --legacy-timestep --skip-node
///   WEBDEMO_SD_UNET_VARIANTS=/tmp dotnet test --filter UnetExportVariantTests
/// </summary>
public sealed class UnetExportVariantTests(ITestOutputHelper output)
{
    private const string Variable = "WEBDEMO_SD_UNET_VARIANTS";

    private static StableDiffusionModel LoadWithUnet(string unetPath)
    {
        var entry = new LocalModelEntry { Id = "webdemo/sd-tiny-variant", Task = TextToImageRequest.TaskName };
        var dir = SchedulerReference.ModelDir;
        var files = StableDiffusionModel.FilesFor(entry)
            .Where(f => File.Exists(Path.Combine(dir, f.Path)))
            .ToDictionary(f => f.Path, f => Path.Combine(dir, f.Path));
        files["unet/model.onnx"] = unetPath;
        var sessions = new OnnxSessionFactory(Options.Create(new OnnxRuntimeOptions { ExecutionProvider = "cpu" }), NullLogger<OnnxSessionFactory>.Instance);
        return StableDiffusionModel.Load(new ModelSnapshot(entry.Id, null, dir, files), entry, sessions);
    }

    private (double Latents, int Levels, double Scale) Compare(StableDiffusionModel model, string name)
    {
        var c = StableDiffusionReference.Cases.Single(x => x.Name == name);
        var settings = new DiffusionSettings(c.Prompt, c.NegativePrompt, c.Width, c.Height, c.NumInferenceSteps, c.GuidanceScale, c.SchedulerClass, 0, c.TimestepSpacing);
        var result = model.Run(settings, new GivenNoise(StableDiffusionReference.NoiseFor(c)), null, CancellationToken.None);
        var latents = c.FinalLatents.Select((v, i) => (double)Math.Abs(v - result.FinalLatents[i])).Max();
        var rgb = Convert.FromBase64String(c.ImageRgbBase64);
        var levels = rgb.Select((v, i) => Math.Abs(v - result.Rgb[i])).Max();
        var scale = c.FinalLatents.Max(v => Math.Abs((double)v));
        output.WriteLine($"{name}: final latents max |diff| {latents:E2} (largest |latent| {scale:F2}), RGB up to {levels} levels");
        return (latents, levels, scale);
    }

    [FolderFact(Variable, "the folder with make_model.py's fp16 tiny UNet (sdtiny-unet-fp16)")]
    public void A_float16_unet_draws_the_same_image_to_float16_precision()
    {
        using var model = LoadWithUnet(Path.Combine(Environment.GetEnvironmentVariable(Variable)!, "sdtiny-unet-fp16", "unet", "model.onnx"));
        foreach (var name in StableDiffusionReference.Cases.Select(c => c.Name))
        {
            var (latents, levels, scale) = Compare(model, name);
            // float16 keeps 11 bits, in the UNet's arithmetic too; guidance and the Euler sigma steps magnify its rounding.
            Assert.True(latents <= 0.05 * scale, $"{name}: {latents} of {scale}");
            Assert.True(levels <= 8, $"{name}: {levels} levels");
        }
    }

    [FolderFact(Variable, "the folder with make_model.py's legacy-timestep tiny UNet (sdtiny-unet-legacy)")]
    public void Optimums_older_int64_timestep_export_gives_the_reference_on_integer_timesteps()
    {
        using var model = LoadWithUnet(Path.Combine(Environment.GetEnvironmentVariable(Variable)!, "sdtiny-unet-legacy", "unet", "model.onnx"));
        foreach (var name in new[] { "square_pndm_cfg", "portrait_euler_trailing_no_cfg", "landscape_lcm_no_cfg" })
        {
            var (latents, levels, _) = Compare(model, name);
            Assert.True(latents <= 1e-4 * 15, $"{name}: {latents}");
            Assert.True(levels <= 1, $"{name}: {levels} levels");
        }
    }
}
