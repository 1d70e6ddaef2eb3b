using WebDemo.Inference.Errors;

namespace WebDemo.Inference.Tasks.Generation;

/// <summary>The checks the text-to-text tasks share: one non-empty input of bounded size, sane generation parameters.</summary>
internal static class TextToTextValidation
{
    public static void Validate(string? input, GenerationParameters? parameters, TextToTextOptions limits)
    {
        if (string.IsNullOrWhiteSpace(input))
            throw new InferenceException(InferenceErrorKind.InvalidInput, "Enter a text.");
        if (input.Length > limits.MaxInputCharacters)
            throw new InferenceException(InferenceErrorKind.InvalidInput,
                $"The text is {input.Length:N0} characters long; at most {limits.MaxInputCharacters:N0} are accepted.");
        parameters?.Validate(limits.MaxNewTokens);
    }

    public static (int In, int Out) Tokens(GeneratedText item) => (item.InputTokens ?? 0, item.Tokens);
}
