using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Inference.Remote.Tasks.TextToImage;

/// <summary>One call to draw, as a provider shape needs it.</summary>
/// <param name="ProviderModel">The model's id at the provider, from the Hub's mapping.</param>
/// <param name="Model">The model's id on the Hub.</param>
/// <param name="Mapping">What the mapping says of this provider for the model (its LoRA adapter); null when it lists none.</param>
internal sealed record ImageJob(string Provider, string ProviderModel, string Model, TextToImageCall Call, ProviderEntry? Mapping,
    IProgress<ProgressInfo> Progress)
{
    public TextToImageParameters Parameters => Call.Parameters;

    /// <summary>Whether the provider serves the model as a LoRA adapter on a base model.</summary>
    public bool IsLora => Mapping?.Adapter == "lora";

    /// <summary>
    /// The adapter's weights as the provider downloads them: <c>https://huggingface.co/{model}/resolve/main/{adapterWeightsPath}</c>
    /// (the HF clients' buildLoraPath); null without a weights path.
    /// </summary>
    public string? LoraWeightsUrl => IsLora && !string.IsNullOrEmpty(Mapping!.AdapterWeightsPath)
        ? $"{PublicHub}/{Model}/resolve/main/{Mapping.AdapterWeightsPath}"
        : null;

    /// <summary>The Hub providers download adapters from: the public one, whatever mirror this app reads mappings from.</summary>
    public const string PublicHub = "https://huggingface.co";
}

/// <summary>
/// How one provider family is asked for an image and answers it (each follows its helper in
/// huggingface.js 4.13, packages/inference/src/providers/). Shapes hold no state: one serves every call.
/// </summary>
internal abstract class ImageShape
{
    /// <summary>Draws the image, failing with an <see cref="InferenceException"/> in words.</summary>
    public abstract Task<GeneratedImage> DrawAsync(ImageJob job, ImageApi api, CancellationToken ct);

    /// <summary>
    /// For shapes that have no way to send an adapter: a LoRA model would silently come back as its
    /// base model's image, so the provider is refused instead (and the chain moves on).
    /// </summary>
    protected static void RefuseLora(ImageJob job)
    {
        if (job.IsLora)
            throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"{job.Provider} serves {job.Model} as a LoRA adapter, which this app cannot send to {job.Provider}; it would draw with the base model alone.")
            { Provider = job.Provider };
    }

    /// <summary>
    /// The parameters under the Inference API's names, which most providers take as they are
    /// (the HF clients spread them into the body); a shape renames what its provider names otherwise.
    /// </summary>
    protected static void AddParameters(JsonObject body, TextToImageParameters p, string steps = "num_inference_steps", bool size = true)
    {
        if (p.NegativePrompt is { } negative)
            body["negative_prompt"] = negative;
        if (size && p.Width is { } width)
            body["width"] = width;
        if (size && p.Height is { } height)
            body["height"] = height;
        if (p.NumInferenceSteps is { } n)
            body[steps] = n;
        if (p.GuidanceScale is { } guidance)
            body["guidance_scale"] = guidance;
        if (p.Seed is { } seed)
            body["seed"] = seed;
    }

    /// <summary>An HTTP URL (the HF clients' isUrl), the string otherwise null.</summary>
    protected static string? UrlOrNull(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.String } s && s.GetString() is { } url
        && (url.StartsWith("https://", StringComparison.Ordinal) || url.StartsWith("http://", StringComparison.Ordinal)) ? url : null;
}

/// <summary>What every shape does the same way: the requests through the router, polling, and turning an answer into an image.</summary>
internal sealed class ImageApi(RouterClient client, CloudOptions cloud, TimeProvider time)
{
    public TextToImageCloudOptions Images => cloud.TextToImage;

    /// <summary>A request that draws while it waits: the image budget is its attempt and its total.</summary>
    private SingleResponseTimeouts Drawing => new() { Attempt = Images.Total, Total = Images.Total };

    public async Task<RouterAnswer> PostAsync(ImageJob job, string path, JsonObject body, CancellationToken ct,
        IReadOnlyDictionary<string, string>? headers = null, bool draws = true) =>
        await client.SendAsync(job.Provider, HttpMethod.Post, path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
            draws ? Drawing : cloud.SingleResponse, headers, job.Progress, ct).ConfigureAwait(false);

    /// <summary>A status or result of an asynchronous provider: a short request of its own.</summary>
    public async Task<JsonElement> GetJsonAsync(ImageJob job, string path, CancellationToken ct, IReadOnlyDictionary<string, string>? headers = null) =>
        (await client.SendAsync(job.Provider, HttpMethod.Get, path, null, cloud.SingleResponse, headers, job.Progress, ct).ConfigureAwait(false)).Json(job.Provider);

    /// <summary>
    /// Asks <paramref name="poll"/> every <see cref="TextToImageCloudOptions.PollInterval"/> until it
    /// answers; the provider's image budget (the caller's token) bounds it, and cancellation stops it at once.
    /// </summary>
    public async Task<T> PollAsync<T>(Func<CancellationToken, Task<T?>> poll, CancellationToken ct) where T : class
    {
        while (true)
        {
            await Task.Delay(Images.PollInterval, time, ct).ConfigureAwait(false);
            if (await poll(ct).ConfigureAwait(false) is { } done)
                return done;
        }
    }

    /// <summary>Reports the provider's own status once each time it changes.</summary>
    public static void ReportStatus(ImageJob job, ref string? last, string? status)
    {
        if (status is null || status == last)
            return;
        last = status;
        job.Progress.Report(new ProgressInfo("provider", $"{job.Provider}: {status.ToLowerInvariant().Replace('_', ' ')}…"));
    }

    /// <summary>An image URL in an answer, fetched only from the provider's own https hosts (or the router).</summary>
    public async Task<GeneratedImage> FromUrlAsync(ImageJob job, string url, CancellationToken ct, long? seed = null)
    {
        var hosts = Images.ImageHosts.TryGetValue(job.Provider, out var listed) ? listed : [];
        var file = await client.FetchFileAsync(job.Provider, url, hosts, cloud.SingleResponse, ct).ConfigureAwait(false);
        return FromBytes(job, file.Body, seed);
    }

    public static GeneratedImage FromBase64(ImageJob job, string base64, long? seed = null)
    {
        // Some providers send a data URL rather than bare base64.
        var comma = base64.StartsWith("data:", StringComparison.Ordinal) ? base64.IndexOf(',', StringComparison.Ordinal) : -1;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(comma >= 0 ? base64[(comma + 1)..] : base64);
        }
        catch (FormatException)
        {
            throw RouterErrors.Malformed(job.Provider, TextToImageRequest.TaskName, "its base64 image does not decode");
        }
        return FromBytes(job, bytes, seed);
    }

    public static GeneratedImage FromBytes(ImageJob job, byte[] bytes, long? seed = null)
    {
        if (ImageBytes.Describe(bytes) is not { } image)
            throw RouterErrors.Malformed(job.Provider, TextToImageRequest.TaskName, "its answer is not a PNG, JPEG, WebP or GIF image");
        var p = job.Parameters;
        return new GeneratedImage(bytes, image.ContentType,
            image.Width > 0 ? image.Width : p.Width ?? 0, image.Height > 0 ? image.Height : p.Height ?? 0,
            Seed: p.Seed ?? seed, Steps: p.NumInferenceSteps);
    }
}
