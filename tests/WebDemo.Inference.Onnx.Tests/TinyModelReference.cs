using System.Text.Json;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests;

/// <summary>
/// transformers.js 4.3.1's outputs on the repository's tiny random-weight model
/// (tests/models/distilbert-tiny-random/reference.json, made by make_reference.mjs there).
/// There on every clone, so the tests built on it always run.
/// </summary>
public static class TinyModelReference
{
    /// <param name="Ids">tokenizer(text).input_ids, not truncated.</param>
    /// <param name="Scores">pipeline("text-classification")(text, {top_k: null}), which truncates to 512 tokens.</param>
    /// <param name="Truncated">True when the text has more than 512 tokens.</param>
    public sealed record Text(string Value, int[] Ids, Dictionary<string, double> Scores, bool Truncated);

    private sealed record Entry(string Text, int[] Ids, Dictionary<string, double> Scores, bool Truncated);

    private sealed record File(string Generator, Entry[] Texts);

    private static readonly File Data = JsonSerializer.Deserialize<File>(
        System.IO.File.ReadAllText(Path.Combine(TestPaths.TinySentimentModelDir, "reference.json")),
        new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    public static IReadOnlyList<Text> All { get; } = Data.Texts.Select(t => new Text(t.Text, t.Ids, t.Scores, t.Truncated)).ToList();

    /// <summary>Every text the C# side is compared on, by its position in reference.json (texts with tabs and NBSP make poor test names).</summary>
    public static TheoryData<int> Indexes => new(Enumerable.Range(0, Data.Texts.Length));

    /// <summary>The text with a tab and a newline between words (Microsoft.ML.Tokenizers alone glued them together).</summary>
    public static int WithTabsAndNewlines { get; } = Array.FindIndex(Data.Texts, t => t.Text.Contains('\t', StringComparison.Ordinal));

    public static Text At(int index) => All[index];
}
