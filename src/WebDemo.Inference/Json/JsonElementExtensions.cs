using System.Text.Json;

namespace WebDemo.Inference.Json;

/// <summary>
/// Reading optional members of JSON whose shape is not ours to fix (config.json,
/// tokenizer_config.json, a provider's error body, the Hub's mapping): null when a member is
/// missing or of another kind, never an exception.
/// </summary>
public static class JsonElementExtensions
{
    public static JsonElement? Member(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value : null;

    public static string? StringOrNull(this JsonElement element, string name) =>
        element.Member(name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static int? IntOrNull(this JsonElement element, string name) =>
        element.Member(name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt32(out var number) ? number : null;

    public static double? DoubleOrNull(this JsonElement element, string name) =>
        element.Member(name) is { ValueKind: JsonValueKind.Number } value && value.TryGetDouble(out var number) ? number : null;

    public static bool? BoolOrNull(this JsonElement element, string name) =>
        element.Member(name) is { ValueKind: JsonValueKind.True or JsonValueKind.False } value ? value.GetBoolean() : null;

    /// <summary>A whole file as JSON, or null when there is no file; bad JSON is the caller's to report.</summary>
    public static JsonElement? ReadFile(string? path)
    {
        if (path is null)
            return null;
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.Clone();
    }
}
