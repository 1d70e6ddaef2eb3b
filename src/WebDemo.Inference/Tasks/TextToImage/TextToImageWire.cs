namespace WebDemo.Inference.Tasks.TextToImage;

/// <summary>
/// The Hugging Face Inference API body of text-to-image: <c>{"inputs": "prompt", "parameters":
/// {"negative_prompt", "width", "height", "num_inference_steps", "guidance_scale", "scheduler", "seed"}}</c>.
/// The answer is the image's bytes with its content type.
/// </summary>
public sealed record TextToImageInput(string? Inputs, TextToImageParameters? Parameters = null);
