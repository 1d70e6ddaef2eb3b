using System.Text.Json;
using System.Text.Json.Nodes;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Json;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Inference.Remote.Tasks.TextToImage;

/// <summary>
/// WaveSpeedAI's tasks, as WavespeedAITask (wavespeed.ts) runs them through the router:
/// <c>POST {router}/wavespeed/api/v3/{providerId}</c> with <c>{prompt, ...parameters, loras}</c>, answered
/// <c>{"data": {"id", "urls": {"get"}}}</c>; then <c>GET {router}/wavespeed{path of urls.get}</c> until
/// <c>data.status</c> is completed (then <c>data.outputs[0]</c>, an image URL on WaveSpeed's host)
/// or failed (<c>data.error</c>). A LoRA model goes as <c>loras: [{path: model id on the Hub, scale: 1}]</c>.
/// </summary>
internal sealed class WavespeedImages : ImageShape
{
    public override async Task<GeneratedImage> DrawAsync(ImageJob job, ImageApi api, CancellationToken ct)
    {
        var body = new JsonObject();
        AddParameters(body, job.Parameters);
        body["prompt"] = job.Call.Prompt;
        if (job.IsLora)
            body["loras"] = new JsonArray(new JsonObject { ["path"] = job.Model, ["scale"] = 1 });

        var submitted = (await api.PostAsync(job, $"api/v3/{job.ProviderModel}", body, ct, draws: false).ConfigureAwait(false)).Json(job.Provider);
        if (!Uri.TryCreate(submitted.Member("data")?.Member("urls")?.StringOrNull("get"), UriKind.Absolute, out var get))
            throw RouterErrors.Malformed(job.Provider, TextToImageRequest.TaskName, "its task answered no data.urls.get");
        var resultPath = get.AbsolutePath.TrimStart('/');

        string? last = null;
        var url = await api.PollAsync<string>(async token =>
        {
            var data = (await api.GetJsonAsync(job, resultPath, token).ConfigureAwait(false)).Member("data");
            var status = data?.StringOrNull("status");
            ImageApi.ReportStatus(job, ref last, status);
            switch (status)
            {
                case "completed":
                    return data?.Member("outputs") is { ValueKind: JsonValueKind.Array } outputs && outputs.GetArrayLength() > 0 && UrlOrNull(outputs[0]) is { } output
                        ? output
                        : throw RouterErrors.Malformed(job.Provider, TextToImageRequest.TaskName, "its completed task has no output URL");
                case "failed":
                    throw new InferenceException(InferenceErrorKind.BackendFailed,
                        $"{job.Provider} could not draw the image: {data?.StringOrNull("error") ?? "the task failed"}.") { Provider = job.Provider };
                default:
                    return null;
            }
        }, ct).ConfigureAwait(false);
        return await api.FromUrlAsync(job, url, ct).ConfigureAwait(false);
    }
}

/// <summary>
/// Z.ai's asynchronous images, as ZaiTextToImageTask (zai-org.ts) makes them:
/// <c>POST {router}/zai-org/api/paas/v4/async/images/generations</c> with <c>{prompt, model, ...parameters}</c>
/// and the headers <c>x-source-channel: hugging_face</c>, <c>accept-language: en-US,en</c>, answered
/// <c>{id, task_status}</c>; then <c>GET {router}/zai-org/api/paas/v4/async-result/{id}</c> until
/// <c>task_status</c> is SUCCESS (<c>image_result[0].url</c>, on Z.ai's host) or FAIL.
/// </summary>
internal sealed class ZaiImages : ImageShape
{
    private static readonly Dictionary<string, string> Headers = new()
    {
        ["x-source-channel"] = "hugging_face",
        ["accept-language"] = "en-US,en",
    };

    public override async Task<GeneratedImage> DrawAsync(ImageJob job, ImageApi api, CancellationToken ct)
    {
        RefuseLora(job);
        var body = new JsonObject();
        AddParameters(body, job.Parameters);
        body["model"] = job.ProviderModel;
        body["prompt"] = job.Call.Prompt;

        var submitted = (await api.PostAsync(job, "api/paas/v4/async/images/generations", body, ct, Headers, draws: false).ConfigureAwait(false)).Json(job.Provider);
        if (submitted.StringOrNull("id") is not { } id || submitted.Member("task_status") is null)
            throw RouterErrors.Malformed(job.Provider, TextToImageRequest.TaskName, "expected {id, task_status}");
        if (submitted.StringOrNull("task_status") == "FAIL")
            throw Failed(job);

        string? last = null;
        var url = await api.PollAsync<string>(async token =>
        {
            var result = await api.GetJsonAsync(job, $"api/paas/v4/async-result/{Uri.EscapeDataString(id)}", token, Headers).ConfigureAwait(false);
            var status = result.StringOrNull("task_status");
            ImageApi.ReportStatus(job, ref last, status);
            return status switch
            {
                "FAIL" => throw Failed(job),
                "SUCCESS" => result.Member("image_result") is { ValueKind: JsonValueKind.Array } images && images.GetArrayLength() > 0
                    && UrlOrNull(images[0].Member("url")) is { } image
                        ? image
                        : throw RouterErrors.Malformed(job.Provider, TextToImageRequest.TaskName, "expected {\"image_result\": [{\"url\": ...}]}"),
                _ => null,
            };
        }, ct).ConfigureAwait(false);
        return await api.FromUrlAsync(job, url, ct).ConfigureAwait(false);
    }

    private static InferenceException Failed(ImageJob job) =>
        new(InferenceErrorKind.BackendFailed, $"{job.Provider} could not draw the image (its task failed).") { Provider = job.Provider };
}
