using Microsoft.Extensions.Options;
using WebDemo.Inference.Queueing;
using WebDemo.Inference.Usage;

namespace WebDemo.Inference.Tasks.TextToImage;

/// <summary>Text-to-image: validates the prompt and the parameters, then walks the provider chain.</summary>
internal sealed class TextToImageTask(
    IEnumerable<ILocalTaskBackend<TextToImageCall, GeneratedImage>> localBackends,
    IOptions<TextToImageOptions> options,
    ICloudTaskBackends<TextToImageCall, GeneratedImage>? cloud = null,
    TaskQueues? queues = null,
    UsageMetering? usage = null)
    : RoutedTask<TextToImageRequest, TextToImageCall, GeneratedImage>(localBackends, cloud, queues, usage)
{
    protected override IReadOnlyList<string> CloudModels =>
        [options.Value.CloudModel, .. options.Value.CloudModels.Where(m => m != options.Value.CloudModel)];

    protected override void Validate(TextToImageRequest request) => Validate(request.Prompt, request.Parameters, options.Value);

    /// <summary>
    /// What any provider could draw: a prompt, sizes in multiples of 8 (latent diffusion works on
    /// an eighth of the image), bounded steps and guidance. A model's own limits are its backend's.
    /// </summary>
    internal static void Validate(string? prompt, TextToImageParameters? parameters, TextToImageOptions limits)
    {
        if (string.IsNullOrWhiteSpace(prompt))
            throw Invalid("Enter a prompt.");
        if (prompt.Length > limits.MaxPromptCharacters)
            throw Invalid($"The prompt is {prompt.Length:N0} characters long; at most {limits.MaxPromptCharacters:N0} are accepted.");
        if (parameters is null)
            return;
        if (parameters.NegativePrompt?.Length > limits.MaxPromptCharacters)
            throw Invalid($"The negative prompt is {parameters.NegativePrompt.Length:N0} characters long; at most {limits.MaxPromptCharacters:N0} are accepted.");
        CheckSide("width", parameters.Width, limits.MaxSide);
        CheckSide("height", parameters.Height, limits.MaxSide);
        if (parameters.NumInferenceSteps is < 1 || parameters.NumInferenceSteps > limits.MaxSteps)
            throw Invalid($"\"num_inference_steps\" must be 1 to {limits.MaxSteps} on this server.");
        if (parameters.GuidanceScale is { } g && (double.IsNaN(g) || g < 0 || g > 50))
            throw Invalid("\"guidance_scale\" must be 0 to 50.");
        if (parameters.Seed is < 0 or > TextToImageParameters.MaxSeed)
            throw Invalid($"\"seed\" must be 0 to {TextToImageParameters.MaxSeed}.");
    }

    private static void CheckSide(string name, int? side, int max)
    {
        if (side is null)
            return;
        if (side < 64 || side > max)
            throw Invalid($"\"{name}\" must be 64 to {max} pixels on this server; {side} was asked.");
        if (side % 8 != 0)
            throw Invalid($"\"{name}\" must be a multiple of 8; {side} is not (try {side / 8 * 8} or {(side / 8 + 1) * 8}).");
    }

    protected override TextToImageCall CreateCall(TextToImageRequest request, string model) =>
        new(model, request.Prompt, request.Parameters ?? new TextToImageParameters());

    /// <summary>Images are counted as calls, not tokens.</summary>
    protected override (int In, int Out) Tokens(GeneratedImage item) => (0, 0);

    /// <summary>The image itself counts, with its steps; previews of the work in progress do not.</summary>
    protected override (int Images, int? Steps) Images(GeneratedImage item) => item.IsPreview ? (0, null) : (1, item.Steps);
}
