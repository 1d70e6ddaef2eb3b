using System.Text.Json;

namespace WebDemo.TestSupport;

/// <summary>What transformers.js generated from the tiny T5 (tests/models/t5-tiny-random/reference.json).</summary>
public static class TinyT5Reference
{
    public static string GreedyText(string input, string setting = "greedy")
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.TinyT5ModelDir, "reference.json")));
        return reference.RootElement.GetProperty("inputs").EnumerateArray()
            .Single(i => i.GetProperty("name").GetString() == input)
            .GetProperty("generate").GetProperty(setting).GetProperty("text").GetString()!;
    }

    /// <summary>How many tokens transformers.js's tokenizer makes of the input (its text with the task prefix, and &lt;/s&gt;), before any truncation.</summary>
    public static int InputTokenCount(string input)
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.TinyT5ModelDir, "reference.json")));
        return reference.RootElement.GetProperty("inputs").EnumerateArray()
            .Single(i => i.GetProperty("name").GetString() == input).GetProperty("ids").GetArrayLength();
    }

    /// <summary>The text of a reference input, task prefix included.</summary>
    public static string InputText(string input)
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.TinyT5ModelDir, "reference.json")));
        return reference.RootElement.GetProperty("inputs").EnumerateArray()
            .Single(i => i.GetProperty("name").GetString() == input).GetProperty("text").GetString()!;
    }
}
