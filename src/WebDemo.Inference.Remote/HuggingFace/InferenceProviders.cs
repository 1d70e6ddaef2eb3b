namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>The providers the Hugging Face router serves (as huggingface.js 4.13 knows them), for telling a typo from a provider.</summary>
internal static class InferenceProviders
{
    public static IReadOnlySet<string> Routed { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "baseten", "cerebras", "cohere", "deepinfra", "fal-ai", "featherless-ai", "fireworks-ai", "groq",
        "hf-inference", "novita", "nscale", "openai", "ovhcloud", "publicai", "replicate", "scaleway",
        "together", "wavespeed", "zai-org",
    };
}
