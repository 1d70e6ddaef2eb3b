using System.Text.Json;

namespace WebDemo.Inference.Onnx.Tests;

/// <summary>Outputs of transformers.js on the shared model files (tests/reference/make-reference.mjs).</summary>
public static class ReferenceData
{
    public sealed record Sentiment(string Text, int[] Ids, Dictionary<string, double> Scores);

    public sealed record Tokens(string Text, int[] Ids);

    private sealed record File(string Generator, Sentiment[] Sentiment, Tokens[] Cased);

    private static readonly File Data = JsonSerializer.Deserialize<File>(
        System.IO.File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "transformersjs.json")),
        new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    public static TheoryData<string> SentimentTexts => new(Data.Sentiment.Select(s => s.Text));

    public static Sentiment ForSentiment(string text) => Data.Sentiment.Single(s => s.Text == text);

    public static TheoryData<string> CasedTexts => new(Data.Cased.Select(s => s.Text));

    public static Tokens ForCased(string text) => Data.Cased.Single(s => s.Text == text);
}
