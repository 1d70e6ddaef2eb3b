using System.Text.Json.Serialization.Metadata;
using WebDemo.Api;
using WebDemo.Inference.Json;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Features.TextToImage;

/// <summary>
/// Text-to-image in the HF wire format: <c>{"inputs": "prompt", "parameters": {...}}</c> → the
/// image's bytes with their content type (as hf-inference answers; the HF clients read a Blob).
/// Streamed (<c>Accept: text/event-stream</c>): step progress, previews, then the image, each
/// as an event whose <c>bytes</c> are base64.
/// </summary>
internal sealed class TextToImageApi : HfWireFormat<TextToImageInput, TextToImageRequest, GeneratedImage>
{
    public override JsonTypeInfo<TextToImageInput> WireType => InferenceJsonContext.Default.TextToImageInput;

    public override string ExpectedBody => "{\"inputs\": \"an astronaut riding a horse\", \"parameters\": {\"num_inference_steps\": 4, \"seed\": 42}}";

    protected override TextToImageRequest ToRequest(TextToImageInput wire, string model, string? provider, bool failover) =>
        new(wire.Inputs ?? throw new BadBodyException(ShapeErrorStatus, "The body has no \"inputs\": send the prompt as a string."),
            wire.Parameters, model, provider, failover);

    protected override IResult Answer(IReadOnlyList<GeneratedImage> items) =>
        items.LastOrDefault(i => !i.IsPreview) is { } image
            ? Results.File(image.Bytes, image.ContentType)
            : InferenceProblems.Problem(StatusCodes.Status502BadGateway, "The provider finished without an image.");
}
