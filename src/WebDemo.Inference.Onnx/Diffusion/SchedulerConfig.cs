using System.Text.Json;
using WebDemo.Inference.Json;

namespace WebDemo.Inference.Onnx.Diffusion;

/// <summary>
/// A diffusers <c>scheduler/scheduler_config.json</c>: the class it names and its keys. Each
/// scheduler reads the keys it knows and takes its own defaults (those of its diffusers
/// <c>__init__</c>) for the others, as diffusers' <c>from_config</c> does.
/// </summary>
internal sealed class SchedulerConfig(JsonElement json)
{
    public static SchedulerConfig Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return new SchedulerConfig(doc.RootElement.Clone());
    }

    public static SchedulerConfig Empty { get; } = Parse("{}");

    /// <summary>The diffusers class the config names ("PNDMScheduler"), if any.</summary>
    public string? ClassName => json.StringOrNull("_class_name");

    public JsonElement Json => json;

    public int Int(string key, int fallback) => json.Member(key) is { ValueKind: JsonValueKind.Number } v && v.TryGetDouble(out var d) ? (int)d : fallback;

    public double Double(string key, double fallback) => json.DoubleOrNull(key) ?? fallback;

    public bool Bool(string key, bool fallback) => json.BoolOrNull(key) ?? fallback;

    public string String(string key, string fallback) => json.StringOrNull(key) ?? fallback;

    public double[]? Doubles(string key) => json.Member(key) is { ValueKind: JsonValueKind.Array } list
        ? list.EnumerateArray().Select(e => e.GetDouble()).ToArray()
        : null;

    /// <summary>
    /// This config with <paramref name="overrides"/> set (diffusers' <c>from_config(config, **kwargs)</c>),
    /// e.g. a request's <c>timestep_spacing</c>.
    /// </summary>
    public SchedulerConfig With(IReadOnlyDictionary<string, object?> overrides)
    {
        var values = json.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        foreach (var (key, value) in overrides)
            values[key] = value;
        return Parse(JsonSerializer.Serialize(values));
    }
}
