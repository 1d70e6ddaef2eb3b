using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Features.TextClassification;

/// <summary>What the Sentiment page lets a visitor type, from the task's limits.</summary>
internal static class TextClassificationLimits
{
    /// <summary>Every line at its longest, with its line break: the text box holds no more.</summary>
    public static int PageCharacters(TextClassificationOptions limits) =>
        (int)Math.Min(int.MaxValue, (long)limits.MaxInputs * (limits.MaxCharactersPerInput + 1));
}
