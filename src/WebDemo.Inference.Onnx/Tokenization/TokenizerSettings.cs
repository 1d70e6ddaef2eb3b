using System.Text.Json;
using WebDemo.Inference.Json;

namespace WebDemo.Inference.Onnx.Tokenization;

/// <summary>
/// Special tokens as tokenizer_config.json and special_tokens_map.json name them: either
/// "&lt;/s&gt;" or {"content": "&lt;/s&gt;", ...}.
/// </summary>
internal static class TokenizerSettings
{
    /// <summary>A special token's text (eos_token, cls_token, …) from the first file that names it.</summary>
    public static string? Token(JsonElement? settings, JsonElement? specials, string name)
    {
        foreach (var source in new[] { settings, specials })
        {
            if (source?.StringOrNull(name) is { } plain)
                return plain;
            if (source?.Member(name)?.StringOrNull("content") is { } content)
                return content;
        }
        return null;
    }

    /// <summary>A list of special tokens (additional_special_tokens) in either form, or null when the file has none.</summary>
    public static IEnumerable<string>? TokenList(JsonElement? source, string name) =>
        source?.Member(name) is { ValueKind: JsonValueKind.Array } list
            ? list.EnumerateArray().Select(t => t.ValueKind == JsonValueKind.String ? t.GetString() : t.StringOrNull("content"))
                .OfType<string>()
            : null;
}
