using System.Text.RegularExpressions;

namespace WebDemo.Inference.Configuration;

/// <summary>
/// Reads the Hugging Face environment variables as huggingface_hub reads them, in one place: the
/// same truthy values, and paths with <c>$VAR</c>, <c>${VAR}</c> and a leading <c>~</c> expanded
/// (so <c>HF_HOME=~/hf</c> or <c>HF_TOKEN_PATH=$HOME/.hf-token</c> in a .env file means what it
/// says to Python). The environment is passed in, so tests need not change the process's own.
/// </summary>
public static partial class HuggingFaceEnvironment
{
    /// <summary>"1", "ON", "YES" or "TRUE", in any case, as huggingface_hub's _is_true.</summary>
    public static bool IsTrue(string? value) =>
        value?.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    /// <summary>A path variable, expanded; null when it is unset or blank.</summary>
    public static string? PathVariable(Func<string, string?> env, string name) =>
        string.IsNullOrWhiteSpace(env(name)) ? null : ExpandPath(env(name)!.Trim(), env);

    /// <summary>
    /// os.path.expanduser(os.path.expandvars(path)): variables first (an unknown one is left as
    /// written, as Python does), then <c>~</c> or <c>~/...</c> at the start becomes the home folder.
    /// </summary>
    public static string ExpandPath(string path, Func<string, string?> env)
    {
        var expanded = VariablePattern().Replace(path, m => env(m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Value) ?? m.Value);
        if (expanded == "~" || expanded.StartsWith("~/", StringComparison.Ordinal) || expanded.StartsWith("~\\", StringComparison.Ordinal))
            expanded = HomeFolder(env) + expanded[1..];
        return expanded;
    }

    /// <summary>HOME (USERPROFILE on Windows), as Python's expanduser looks it up, else the OS's answer.</summary>
    private static string HomeFolder(Func<string, string?> env) =>
        env(OperatingSystem.IsWindows() ? "USERPROFILE" : "HOME") is { Length: > 0 } home
            ? home
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    [GeneratedRegex(@"\$(?:\{(?<braced>[A-Za-z0-9_]+)\}|(?<plain>[A-Za-z0-9_]+))")]
    private static partial Regex VariablePattern();
}
