using System.ComponentModel.DataAnnotations;

namespace WebDemo.Inference.Tasks.TextToImage;

/// <summary>
/// How to draw, by the names of the Inference API's text-to-image parameters
/// (<c>negative_prompt</c>, <c>width</c>, <c>height</c>, <c>num_inference_steps</c>,
/// <c>guidance_scale</c>, <c>scheduler</c>, <c>seed</c>). Null means the model's own default.
/// </summary>
public sealed record TextToImageParameters
{
    public string? NegativePrompt { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public int? NumInferenceSteps { get; init; }
    public double? GuidanceScale { get; init; }

    /// <summary>A diffusers scheduler class name ("EulerDiscreteScheduler"); the local pipeline honours it, cloud providers may ignore it.</summary>
    public string? Scheduler { get; init; }

    /// <summary>The same seed, model and parameters give the same image (on one provider).</summary>
    public long? Seed { get; init; }

    /// <summary>The largest seed accepted, 2^53 - 1: JavaScript clients send numbers as doubles, and larger seeds would not come back as given.</summary>
    public const long MaxSeed = 9_007_199_254_740_991;
}

/// <summary>A text-to-image call, as the pages, the hub and the API send it.</summary>
public sealed record TextToImageRequest(string Prompt, TextToImageParameters? Parameters = null, string? Model = null, string? Provider = null, bool Failover = false)
    : ITaskRequest
{
    public static string TaskName => "text-to-image";
}

/// <summary>A validated call as a backend receives it, for the model that backend serves.</summary>
public sealed record TextToImageCall(string Model, string Prompt, TextToImageParameters Parameters);

/// <summary>
/// An image as it streams: previews of the work in progress (local diffusion, every few steps),
/// then the image itself, once. A backend reports "step i of n" as progress
/// (<see cref="Streaming.ProgressInfo"/> stage <see cref="StepStage"/>).
/// </summary>
/// <param name="Bytes">The encoded image (PNG from the local pipeline; what the provider sent otherwise).</param>
/// <param name="ContentType">"image/png", "image/jpeg", "image/webp".</param>
/// <param name="Seed">The seed used, when the backend knows it (the local pipeline always does).</param>
/// <param name="Steps">Denoising steps of the whole run, when known.</param>
/// <param name="Step">For a preview: the steps done when it was taken.</param>
public sealed record GeneratedImage(byte[] Bytes, string ContentType, int Width, int Height,
    long? Seed = null, int? Steps = null, bool IsPreview = false, int? Step = null)
{
    /// <summary>The progress stage of denoising steps.</summary>
    public const string StepStage = "step";
}

/// <summary>Limits and defaults of text-to-image (section "TextToImage").</summary>
public sealed class TextToImageOptions
{
    public const string Section = "TextToImage";

    /// <summary>The model cloud providers are asked for when a request names none.</summary>
    [Required]
    public string CloudModel { get; set; } = "black-forest-labs/FLUX.1-schnell";

    /// <summary>Further cloud models a request may name.</summary>
    public List<string> CloudModels { get; set; } = ["stabilityai/stable-diffusion-xl-base-1.0"];

    [Range(1, 100_000)]
    public int MaxPromptCharacters { get; set; } = 2_000;

    /// <summary>The most denoising steps one request may ask for: a cap that protects the server.</summary>
    [Range(1, 1_000)]
    public int MaxSteps { get; set; } = 100;

    /// <summary>The largest width or height a request may ask for, in pixels.</summary>
    [Range(64, 8_192)]
    public int MaxSide { get; set; } = 2_048;
}
