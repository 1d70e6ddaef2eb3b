using System.Text.Json;
using System.Text.Json.Nodes;
using WebDemo.Inference.Json;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Inference.Remote.Tasks.TextToImage;

/// <summary>
/// OpenAI-style image endpoints: <c>POST {router}/{provider}/{route}</c> with
/// <c>{prompt, model, response_format, ...parameters}</c>, answered with <c>{"data": [{"b64_json"}]}</c>
/// (or <c>{"url"}</c>). The model is the provider's own id. Base64 is asked for, so that no
/// second request is needed.
/// </summary>
/// <param name="route">The provider's images route.</param>
/// <param name="base64Format">The provider's name for a base64 answer.</param>
/// <param name="steps">The provider's name for num_inference_steps.</param>
internal sealed class OpenAIImages(string route, string base64Format, string steps = "num_inference_steps") : ImageShape
{
    /// <summary>NscaleTextToImageTask (nscale.ts): <c>v1/images/generations</c>, <c>response_format: "b64_json"</c>.</summary>
    public static OpenAIImages Nscale { get; } = new("v1/images/generations", "b64_json");

    /// <summary>TogetherTextToImageTask (together.ts): <c>v1/images/generations</c>, <c>response_format: "base64"</c>, <c>steps</c>.</summary>
    public static OpenAIImages Together { get; } = new("v1/images/generations", "base64", steps: "steps");

    /// <summary>
    /// DeepInfraTextToImageTask (deepinfra.ts): <c>v1/openai/images/generations</c>, <c>response_format: "b64_json"</c>.
    /// Not in the 4.13.28 release: it follows huggingface.js commit ca24da62d.
    /// </summary>
    public static OpenAIImages DeepInfra { get; } = new("v1/openai/images/generations", "b64_json");

    public override async Task<GeneratedImage> DrawAsync(ImageJob job, ImageApi api, CancellationToken ct)
    {
        RefuseLora(job);
        var body = new JsonObject();
        AddParameters(body, job.Parameters, steps);
        body["response_format"] = base64Format;
        body["prompt"] = job.Call.Prompt;
        body["model"] = job.ProviderModel;
        var json = (await api.PostAsync(job, route, body, ct).ConfigureAwait(false)).Json(job.Provider);
        if (json.Member("data") is { ValueKind: JsonValueKind.Array } data && data.GetArrayLength() > 0)
        {
            var first = data[0];
            if (first.StringOrNull("b64_json") is { } base64)
                return ImageApi.FromBase64(job, base64);
            if (UrlOrNull(first.Member("url")) is { } url)
                return await api.FromUrlAsync(job, url, ct).ConfigureAwait(false);
        }
        throw RouterErrors.Malformed(job.Provider, TextToImageRequest.TaskName, "expected {\"data\": [{\"b64_json\": ...}]}");
    }
}
