using System.Text.Json;

namespace WebDemo.TestSupport;

/// <summary>What transformers.js generated from the tiny T5 (tests/models/t5-tiny-random/reference.json).</summary>
public static class TinyT5Reference
{
    public static string GreedyText(string input, string setting = "greedy") =>
        Item(input).GetProperty("generate").GetProperty(setting).GetProperty("text").GetString()!;

    /// <summary>How many tokens transformers.js's tokenizer makes of the input (its text with the task prefix, and &lt;/s&gt;), before any truncation.</summary>
    public static int InputTokenCount(string input) => Item(input).GetProperty("ids").GetArrayLength();

    /// <summary>The text of a reference input, task prefix included.</summary>
    public static string InputText(string input) => Item(input).GetProperty("text").GetString()!;

    /// <summary>
    /// A reference input's ids as the model reads them (truncated), and what model.generate() made of
    /// them with one of the reference's settings: its new ids (without the start token, and without
    /// the end token, which is not part of the text) and its parameters.
    /// </summary>
    public static (int[] InputIds, List<int> NewIds, JsonElement Parameters) Generation(string input, string setting = "greedy")
    {
        var item = Item(input);
        var generation = item.GetProperty("generate").GetProperty(setting);
        var ids = generation.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).Skip(1).ToList();
        if (ids.Count > 0 && ids[^1] == 1)
            ids.RemoveAt(ids.Count - 1);
        return ([.. item.GetProperty("model_input_ids").EnumerateArray().Select(i => i.GetInt32())], ids, generation.GetProperty("params"));
    }

    private static JsonElement Item(string input)
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.TinyT5ModelDir, "reference.json")));
        return reference.RootElement.GetProperty("inputs").EnumerateArray()
            .Single(i => i.GetProperty("name").GetString() == input).Clone();
    }
}
