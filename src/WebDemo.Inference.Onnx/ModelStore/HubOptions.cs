using WebDemo.Inference.Configuration;

namespace WebDemo.Inference.Onnx.ModelStore;

/// <summary>
/// Where models come from and where they are kept, with the Hugging Face environment variables
/// as defaults (HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE); section "Hub" overrides.
/// </summary>
public sealed class HubOptions
{
    public const string Section = "Hub";

    /// <summary>The Hub (or a mirror) to download from.</summary>
    public string Endpoint { get; set; } = "https://huggingface.co";

    /// <summary>The hub cache folder (models--org--name/...).</summary>
    public string CacheDirectory { get; set; } = "";

    /// <summary>When true, never touch the network: only what is already cached is used.</summary>
    public bool Offline { get; set; }

    /// <summary>The branch, tag or commit to download.</summary>
    public string Revision { get; set; } = "main";

    /// <summary>How many times a broken download is resumed before giving up.</summary>
    public int DownloadRetries { get; set; } = 4;

    /// <summary>A download that receives nothing for this long is treated as broken and resumed.</summary>
    public TimeSpan ReadIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public void ApplyEnvironment(Func<string, string?> env)
    {
        if (!string.IsNullOrWhiteSpace(env("HF_ENDPOINT")))
            Endpoint = env("HF_ENDPOINT")!.Trim();
        CacheDirectory = HuggingFaceEnvironment.PathVariable(env, "HF_HUB_CACHE")
            ?? Path.Combine(HuggingFaceToken.HuggingFaceHome(env), "hub");
        Offline = HuggingFaceEnvironment.IsTrue(env("HF_HUB_OFFLINE"));
    }
}
