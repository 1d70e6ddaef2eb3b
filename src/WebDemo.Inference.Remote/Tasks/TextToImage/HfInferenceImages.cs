using System.Text.Json;
using System.Text.Json.Nodes;
using WebDemo.Inference.Json;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Inference.Remote.Tasks.TextToImage;

/// <summary>
/// The Inference API's own shape (HFInferenceTextToImageTask in hf-inference.ts):
/// <c>POST {router}/hf-inference/models/{id}</c> with <c>{"inputs": prompt, "parameters": {...}}</c>,
/// answered with the image's bytes (or, from some servers, <c>{"data": [{"b64_json"}]}</c> or
/// <c>{"output": [url]}</c>). Also the shape for a provider this app knows no other shape of.
/// </summary>
internal sealed class HfInferenceImages : ImageShape
{
    public override async Task<GeneratedImage> DrawAsync(ImageJob job, ImageApi api, CancellationToken ct)
    {
        RefuseLora(job);
        var parameters = new JsonObject();
        AddParameters(parameters, job.Parameters);
        if (job.Parameters.Scheduler is { } scheduler)
            parameters["scheduler"] = scheduler;
        var body = new JsonObject { ["inputs"] = job.Call.Prompt };
        if (parameters.Count > 0)
            body["parameters"] = parameters;
        var answer = await api.PostAsync(job, $"models/{job.ProviderModel}", body, ct).ConfigureAwait(false);
        if (answer.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true)
            return ImageApi.FromBytes(job, answer.Body);
        var json = answer.Json(job.Provider);
        if (json.Member("data") is { ValueKind: JsonValueKind.Array } data && data.GetArrayLength() > 0 && data[0].StringOrNull("b64_json") is { } base64)
            return ImageApi.FromBase64(job, base64);
        if (json.Member("output") is { ValueKind: JsonValueKind.Array } output && output.GetArrayLength() > 0 && UrlOrNull(output[0]) is { } url)
            return await api.FromUrlAsync(job, url, ct).ConfigureAwait(false);
        throw RouterErrors.Malformed(job.Provider, TextToImageRequest.TaskName, "expected image bytes");
    }
}
