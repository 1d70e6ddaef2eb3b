using System.Text.Json;
using System.Text.Json.Nodes;
using WebDemo.Inference.Json;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Inference.Remote.Tasks.TextToImage;

/// <summary>
/// fal-ai's queue API, as FalAITextToImageTask and FalAiQueueTask (fal-ai.ts) use it through the router:
/// <list type="number">
/// <item>submit: <c>POST {router}/fal-ai/{providerId}?_subdomain=queue</c> with <c>{prompt, ...}</c>,
/// answered <c>{request_id, status, response_url}</c>;</item>
/// <item>poll: <c>GET {router}/fal-ai{path of response_url}/status?_subdomain=queue</c> until
/// <c>status</c> is COMPLETED (IN_QUEUE and IN_PROGRESS before);</item>
/// <item>result: <c>GET {router}/fal-ai{path of response_url}?_subdomain=queue</c>, answered
/// <c>{images: [{url}], seed}</c>; the image is fetched from fal's own https host.</item>
/// </list>
/// Only the path of response_url is used, on the router, so the token never leaves it. The size is
/// sent as fal's <c>image_size: {width, height}</c> (fal's image apps ignore width and height,
/// which the JS client sends as they are). A LoRA adapter goes as <c>loras: [{path, scale: 1}]</c>,
/// path being its weights' Hub URL, and fal's generic LoRA app (fal-ai/lora) also needs its base model.
/// </summary>
internal sealed class FalQueueImages : ImageShape
{
    private const string Queue = "?_subdomain=queue";

    public override async Task<GeneratedImage> DrawAsync(ImageJob job, ImageApi api, CancellationToken ct)
    {
        var body = new JsonObject { ["prompt"] = job.Call.Prompt };
        var p = job.Parameters;
        if (p.Width is not null || p.Height is not null)
            body["image_size"] = new JsonObject { ["width"] = p.Width ?? p.Height, ["height"] = p.Height ?? p.Width };
        AddParameters(body, p, size: false);
        if (job.IsLora)
        {
            if (job.LoraWeightsUrl is not { } weights)
                throw new Errors.InferenceException(Errors.InferenceErrorKind.ModelUnavailable,
                    $"fal-ai maps {job.Model} as a LoRA adapter without its weights file.") { Provider = job.Provider };
            body["loras"] = new JsonArray(new JsonObject { ["path"] = weights, ["scale"] = 1 });
            if (job.ProviderModel == "fal-ai/lora")
                body["model_name"] = "stabilityai/stable-diffusion-xl-base-1.0";
        }

        var submitted = (await api.PostAsync(job, job.ProviderModel + Queue, body, ct, draws: false).ConfigureAwait(false)).Json(job.Provider);
        if (submitted.StringOrNull("request_id") is null
            || !Uri.TryCreate(submitted.StringOrNull("response_url"), UriKind.Absolute, out var responseUrl))
            throw RouterErrors.Malformed(job.Provider, TextToImageRequest.TaskName, "its queue answered no request_id and response_url");
        var request = responseUrl.AbsolutePath.TrimStart('/');

        string? last = null;
        var status = submitted.StringOrNull("status");
        ImageApi.ReportStatus(job, ref last, status);
        if (status != "COMPLETED")
        {
            await api.PollAsync<string>(async token =>
            {
                var polled = await api.GetJsonAsync(job, $"{request}/status{Queue}", token).ConfigureAwait(false);
                var now = polled.StringOrNull("status");
                if (now is "FAILED" or "ERROR")
                    throw RouterErrors.Malformed(job.Provider, TextToImageRequest.TaskName, $"its queue says {now}");
                ImageApi.ReportStatus(job, ref last, now);
                return now == "COMPLETED" ? now : null;
            }, ct).ConfigureAwait(false);
        }

        var result = await api.GetJsonAsync(job, request + Queue, ct).ConfigureAwait(false);
        if (result.Member("images") is { ValueKind: JsonValueKind.Array } images && images.GetArrayLength() > 0
            && UrlOrNull(images[0].Member("url")) is { } url)
        {
            long? seed = result.Member("seed") is { ValueKind: JsonValueKind.Number } s && s.TryGetInt64(out var value) ? value : null;
            return await api.FromUrlAsync(job, url, ct, seed).ConfigureAwait(false);
        }
        throw RouterErrors.Malformed(job.Provider, TextToImageRequest.TaskName, "expected {\"images\": [{\"url\": ...}]}");
    }
}
