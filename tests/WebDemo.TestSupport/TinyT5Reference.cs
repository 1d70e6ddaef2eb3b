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
}
