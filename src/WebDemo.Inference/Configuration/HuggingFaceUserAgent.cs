using System.Reflection;

namespace WebDemo.Inference.Configuration;

/// <summary>
/// Sets the app's User-Agent on every call to the router and the Hub, as the Hugging Face
/// clients identify themselves ("hf_hub/x; python/y"), so that the Hub's and providers' logs
/// and rate limits can tell this app's traffic apart. It replaces an SDK's own (the OpenAI SDK's).
/// </summary>
public sealed class HuggingFaceUserAgent : DelegatingHandler
{
    /// <summary><c>webdemo/&lt;version&gt;; dotnet/&lt;runtime version&gt;</c>, without the informational version's +commit.</summary>
    public static string Value { get; } =
        $"webdemo/{(typeof(HuggingFaceUserAgent).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0").Split('+')[0]}; dotnet/{Environment.Version}";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Remove("User-Agent");
        // Not a list of RFC product tokens (the "; " separators are huggingface_hub's style): add it as it is.
        request.Headers.TryAddWithoutValidation("User-Agent", Value);
        return base.SendAsync(request, cancellationToken);
    }
}
