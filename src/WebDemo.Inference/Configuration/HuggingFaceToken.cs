namespace WebDemo.Inference.Configuration;

/// <summary>
/// Finds the Hugging Face token the way the Hugging Face clients do: HF_TOKEN, then
/// HUGGING_FACE_HUB_TOKEN, then the token file (HF_TOKEN_PATH, else $HF_HOME/token, else
/// ~/.cache/huggingface/token), then a configured value (user-secrets in Development).
/// Paths expand <c>~</c> and <c>$VARS</c> (<see cref="HuggingFaceEnvironment"/>). The token itself
/// is never logged or shown; <see cref="Source"/> says where it came from.
/// </summary>
public sealed class HuggingFaceToken
{
    private readonly string? _token;

    public HuggingFaceToken(Func<string, string?> environment, string? configuredToken = null)
    {
        (_token, Source) = Find(environment, configuredToken);
        ImplicitTokenDisabled = HuggingFaceEnvironment.IsTrue(environment("HF_HUB_DISABLE_IMPLICIT_TOKEN"));
    }

    public static HuggingFaceToken FromEnvironment(string? configuredToken = null) =>
        new(Environment.GetEnvironmentVariable, configuredToken);

    public bool IsConfigured => _token is not null;

    /// <summary>Where the token was found, for the Status page ("HF_TOKEN environment variable"); null when none.</summary>
    public string? Source { get; }

    /// <summary>
    /// HF_HUB_DISABLE_IMPLICIT_TOKEN: Hub calls (provider mappings, model downloads) go without the
    /// token, as huggingface_hub's do; inference calls still need it and send it.
    /// </summary>
    public bool ImplicitTokenDisabled { get; }

    /// <summary>The token, for an Authorization header only.</summary>
    public string? Value => _token;

    public override string ToString() => IsConfigured ? $"HuggingFaceToken(from {Source})" : "HuggingFaceToken(none)";

    private static (string?, string?) Find(Func<string, string?> env, string? configured)
    {
        foreach (var name in new[] { "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN" })
        {
            if (Clean(env(name)) is { } fromVariable)
                return (fromVariable, $"{name} environment variable");
        }
        var file = TokenFilePath(env);
        if (File.Exists(file) && Clean(File.ReadAllText(file)) is { } fromFile)
            return (fromFile, $"token file {file}");
        if (Clean(configured) is { } fromConfig)
            return (fromConfig, "configuration (HuggingFace:Token)");
        return (null, null);
    }

    public static string TokenFilePath(Func<string, string?> env) =>
        HuggingFaceEnvironment.PathVariable(env, "HF_TOKEN_PATH") ?? Path.Combine(HuggingFaceHome(env), "token");

    /// <summary>HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.</summary>
    public static string HuggingFaceHome(Func<string, string?> env) =>
        HuggingFaceEnvironment.PathVariable(env, "HF_HOME")
        ?? Path.Combine(HuggingFaceEnvironment.PathVariable(env, "XDG_CACHE_HOME") ?? HuggingFaceEnvironment.ExpandPath("~/.cache", env), "huggingface");

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
