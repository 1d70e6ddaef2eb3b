using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Tasks;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>
/// Text to image through the router, in each provider's own shape (as the HF clients send them):
/// hf-inference answers the image's bytes; fal-ai (<c>{images: [{url}]}</c>) and replicate
/// (<c>{output: url}</c>) answer URLs, which are downloaded with a client that refuses internal
/// addresses; together answers base64 (<c>{data: [{b64_json}]}</c>).
/// </summary>
public sealed class TextToImageClient(HfTaskClient router, IHttpClientFactory httpClientFactory, IOptions<CloudOptions> options)
{
    public const string DownloadClientName = "image-download";
    private const string Task = "text-to-image";

    public async Task<GeneratedImage> GenerateAsync(string provider, string providerModelId, string prompt,
        IReadOnlyDictionary<string, object?>? parameters, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(prompt))
            throw new InferenceException(InferenceErrorKind.InvalidInput, "Enter a prompt describing the image.");
        var budget = options.Value.ImageGeneration;
        var extra = parameters ?? new Dictionary<string, object?>();
        switch (provider)
        {
            case "hf-inference":
            {
                var answer = await router.SendAsync(provider, $"hf-inference/models/{providerModelId}", new { inputs = prompt, parameters = extra }, budget, null, ct);
                if (answer.ContentType is not { } type || !type.StartsWith("image/", StringComparison.Ordinal))
                    throw RouterErrors.Malformed(provider, Task, $"expected image bytes, got {answer.ContentType ?? "no content type"}");
                return new GeneratedImage(answer.Body, type);
            }
            case "fal-ai":
            {
                var payload = new Dictionary<string, object?>(extra) { ["prompt"] = prompt, ["sync_mode"] = true };
                using var doc = Json(await router.SendAsync(provider, $"fal-ai/{providerModelId}", payload, budget, null, ct), provider);
                var url = doc.RootElement.TryGetProperty("images", out var images) && images.ValueKind == JsonValueKind.Array && images.GetArrayLength() > 0
                          && images[0].TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String
                    ? u.GetString()! : throw RouterErrors.Malformed(provider, Task, "expected {images: [{url}]}");
                return await FetchAsync(url, provider, ct);
            }
            case "replicate":
            {
                // A versioned id ("owner/model:version") goes to /v1/predictions, a plain one to the model's endpoint.
                var colon = providerModelId.IndexOf(':');
                var path = colon < 0 ? $"replicate/v1/models/{providerModelId}/predictions" : "replicate/v1/predictions";
                var input = new Dictionary<string, object?>(extra) { ["prompt"] = prompt };
                object payload = colon < 0 ? new { input } : new { input, version = providerModelId[(colon + 1)..] };
                using var doc = Json(await router.SendAsync(provider, path, payload, budget, null, ct, ("Prefer", "wait")), provider);
                var output = doc.RootElement.TryGetProperty("output", out var o) ? o : default;
                var url = output.ValueKind == JsonValueKind.String ? output.GetString()
                    : output.ValueKind == JsonValueKind.Array && output.GetArrayLength() > 0 && output[0].ValueKind == JsonValueKind.String ? output[0].GetString()
                    : throw RouterErrors.Malformed(provider, Task, "expected {output: url or [url]}");
                return await FetchAsync(url!, provider, ct);
            }
            case "together":
            {
                var payload = new Dictionary<string, object?>(extra) { ["prompt"] = prompt, ["model"] = providerModelId, ["response_format"] = "base64" };
                using var doc = Json(await router.SendAsync(provider, "together/v1/images/generations", payload, budget, null, ct), provider);
                var b64 = doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0
                          && data[0].TryGetProperty("b64_json", out var b) && b.ValueKind == JsonValueKind.String
                    ? b.GetString()! : throw RouterErrors.Malformed(provider, Task, "expected {data: [{b64_json}]}");
                return Decode(b64, "image/jpeg", provider);
            }
            default:
                throw new InferenceException(InferenceErrorKind.ModelNotFound,
                    $"Image generation through {provider} is not supported here; use hf-inference, fal-ai, replicate or together.") { Provider = provider };
        }
    }

    private static JsonDocument Json(HfTaskClient.RawResponse answer, string provider)
    {
        try
        {
            return JsonDocument.Parse(answer.Body);
        }
        catch (JsonException ex)
        {
            throw RouterErrors.Malformed(provider, Task, ex.Message);
        }
    }

    /// <summary>A provider's image URL: a data: URL is decoded; an http(s) URL is fetched by the guarded client.</summary>
    private async Task<GeneratedImage> FetchAsync(string url, string provider, CancellationToken ct)
    {
        if (url.StartsWith("data:", StringComparison.Ordinal))
        {
            var comma = url.IndexOf(',');
            var header = comma > 5 ? url[5..comma] : "";
            return Decode(url[(comma + 1)..], header.Split(';')[0] is { Length: > 0 } type ? type : "image/png", provider);
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
            || uri.Scheme == "http" && !options.Value.AllowPrivateImageUrls)
            throw RouterErrors.Malformed(provider, Task, $"the image URL '{url}' is not an https URL");
        try
        {
            using var response = await httpClientFactory.CreateClient(DownloadClientName).GetAsync(uri, ct);
            if (!response.IsSuccessStatusCode)
                throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                    $"The image {provider} made could not be downloaded (HTTP {(int)response.StatusCode}).") { Provider = provider };
            var type = response.Content.Headers.ContentType?.MediaType ?? "image/png";
            return new GeneratedImage(await response.Content.ReadAsByteArrayAsync(ct), type);
        }
        catch (HttpRequestException ex)
        {
            throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"The image {provider} made could not be downloaded ({ex.InnerException?.Message ?? ex.Message}).", ex) { Provider = provider };
        }
    }

    private static GeneratedImage Decode(string base64, string contentType, string provider)
    {
        try
        {
            return new GeneratedImage(Convert.FromBase64String(base64), contentType);
        }
        catch (FormatException)
        {
            throw RouterErrors.Malformed(provider, Task, "the image is not valid base64");
        }
    }

    /// <summary>
    /// Connects only to public addresses, checked on the address actually dialled (so a DNS name
    /// that points inside cannot slip through), unless the operator allowed private ones.
    /// </summary>
    public static SocketsHttpHandler GuardedHandler(bool allowPrivate) => new()
    {
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 3,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ConnectCallback = async (context, ct) =>
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
            var allowed = addresses.Where(a => allowPrivate || IsPublic(a)).ToArray();
            if (allowed.Length == 0)
                throw new HttpRequestException($"refusing to fetch from {context.DnsEndPoint.Host}: it is not a public address");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast)
            return false;
        if (address.AddressFamily != AddressFamily.InterNetwork)
            return true;
        var b = address.GetAddressBytes();
        return !(b[0] == 10 || b[0] == 127 || b[0] == 0
                 || b[0] == 172 && b[1] >= 16 && b[1] <= 31
                 || b[0] == 192 && b[1] == 168
                 || b[0] == 169 && b[1] == 254            // link-local, cloud metadata
                 || b[0] == 100 && b[1] >= 64 && b[1] <= 127 // carrier-grade NAT
                 || b[0] >= 224);                          // multicast, reserved
    }
}
