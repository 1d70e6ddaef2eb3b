using System.Text.Json;
using System.Text.Json.Nodes;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Json;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Inference.Remote.Tasks.TextToImage;

/// <summary>
/// Replicate's predictions, as ReplicateTextToImageTask (replicate.ts) makes them:
/// <c>POST {router}/replicate/v1/models/{providerId}/predictions</c> (or <c>v1/predictions</c> with
/// <c>version</c> when the id is <c>owner/name:version</c>), header <c>Prefer: wait</c>, body
/// <c>{"input": {prompt, ...parameters, lora_weights}}</c>. A LoRA model's <c>lora_weights</c> is its
/// Hub repository's URL. The answer's <c>output</c> is an image URL or a list of them, fetched from
/// Replicate's own https host. Replicate waits a while for the prediction; one that is still running
/// after it has no output yet: that is a timeout, not a malformed answer.
/// </summary>
internal sealed class ReplicateImages : ImageShape
{
    private static readonly Dictionary<string, string> PreferWait = new() { ["Prefer"] = "wait" };

    public override async Task<GeneratedImage> DrawAsync(ImageJob job, ImageApi api, CancellationToken ct)
    {
        var input = new JsonObject { ["prompt"] = job.Call.Prompt };
        AddParameters(input, job.Parameters);
        if (job.IsLora && job.LoraWeightsUrl is not null)
            input["lora_weights"] = $"{ImageJob.PublicHub}/{job.Model}";
        var body = new JsonObject { ["input"] = input };
        var colon = job.ProviderModel.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
            body["version"] = job.ProviderModel[(colon + 1)..];
        var path = colon >= 0 ? "v1/predictions" : $"v1/models/{job.ProviderModel}/predictions";

        var json = (await api.PostAsync(job, path, body, ct, PreferWait).ConfigureAwait(false)).Json(job.Provider);
        var output = json.Member("output");
        var url = output is { ValueKind: JsonValueKind.Array } list && list.GetArrayLength() > 0 ? UrlOrNull(list[0]) : UrlOrNull(output);
        if (url is not null)
            return await api.FromUrlAsync(job, url, ct).ConfigureAwait(false);

        var status = json.StringOrNull("status");
        if (status is "failed" or "canceled")
            throw new InferenceException(InferenceErrorKind.BackendFailed,
                $"{job.Provider} could not draw the image ({status}" + (json.StringOrNull("error") is { } error ? $": {error})." : ").")) { Provider = job.Provider };
        if (output is null or { ValueKind: JsonValueKind.Null } || output is { ValueKind: JsonValueKind.Array } empty && empty.GetArrayLength() == 0)
            throw new InferenceException(InferenceErrorKind.TimedOut,
                $"{job.Provider} had not finished the image when its wait ended (status {status ?? "unknown"}).") { Provider = job.Provider };
        throw RouterErrors.Malformed(job.Provider, TextToImageRequest.TaskName, "expected {\"output\": url or [url]}");
    }
}
