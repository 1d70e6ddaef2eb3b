using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace WebDemo.Inference.Configuration;

/// <summary>
/// Whether a call to a Hub (provider mappings, model downloads) carries the token. A token is
/// a credential for huggingface.co: an <c>HF_ENDPOINT</c> or <c>Hub:Endpoint</c> pointing
/// elsewhere (a mirror, a typo, a hostile host) must not receive it unless the operator says the
/// mirror is trusted (<c>HuggingFace:TrustHubMirror</c>). HF_HUB_DISABLE_IMPLICIT_TOKEN keeps it
/// from every Hub, as in huggingface_hub. Inference calls to the router are not Hub calls.
/// </summary>
public sealed class HubAuthorization(HuggingFaceToken token, ILogger<HubAuthorization> logger, bool trustMirror)
{
    public const string TrustMirrorSetting = "HuggingFace:TrustHubMirror";

    private readonly ConcurrentDictionary<string, bool> _warned = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The token to send to <paramref name="hub"/>, or null when the call goes without one.</summary>
    public string? TokenFor(Uri hub)
    {
        if (token.Value is null || token.ImplicitTokenDisabled)
            return null;
        if (trustMirror || IsHuggingFaceHub(hub))
            return token.Value;
        if (_warned.TryAdd(hub.Authority, true))
            logger.LogWarning("The Hub at {Hub} is not https://huggingface.co, so calls to it go without the Hugging Face token; " +
                "set {Setting}=true if this mirror should receive it.", hub.GetLeftPart(UriPartial.Authority), TrustMirrorSetting);
        return null;
    }

    /// <summary>https://huggingface.co or one of its subdomains, over https only.</summary>
    public static bool IsHuggingFaceHub(Uri hub) =>
        hub.Scheme == Uri.UriSchemeHttps
        && (hub.Host.Equals("huggingface.co", StringComparison.OrdinalIgnoreCase)
            || hub.Host.EndsWith(".huggingface.co", StringComparison.OrdinalIgnoreCase));
}
