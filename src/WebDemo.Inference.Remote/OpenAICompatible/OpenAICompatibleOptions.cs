namespace WebDemo.Inference.Remote.OpenAICompatible;

/// <summary>
/// The operator's OpenAI-compatible servers (section "OpenAICompatible"): Ollama, vLLM, llama.cpp
/// server, LM Studio, TGI, any <c>/v1</c> API. Only these are ever called: a request names a
/// server by its name, never by a URL.
/// </summary>
public sealed class OpenAICompatibleOptions
{
    public const string Section = "OpenAICompatible";

    public List<OpenAICompatibleServer> Servers { get; set; } = [];

    /// <summary>How long reading a server's <c>GET /v1/models</c> may take (at start, and when the cached list expires).</summary>
    public TimeSpan ModelListTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>One OpenAI-compatible server: a provider of its own on the failover chain.</summary>
public sealed class OpenAICompatibleServer
{
    /// <summary>Its provider name ("ollama"): lower-case letters, digits and dashes, not one of the Hugging Face router's.</summary>
    public string Name { get; set; } = "";

    /// <summary>Its OpenAI API root, <c>/v1</c> included (<c>http://localhost:11434/v1</c>).</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>
    /// Sent as <c>Authorization: Bearer</c>; optional (env <c>OpenAICompatible__Servers__0__ApiKey</c>).
    /// Never logged or shown.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>The chat models it serves; empty means: read from its <c>GET /v1/models</c>, cached like the HF provider mappings.</summary>
    public List<string> Models { get; set; } = [];
}
