namespace WebDemo.Features.TextClassification;

/// <summary>How the pages turn a text area into inputs: each non-empty line is one input.</summary>
internal static class TextLines
{
    public static IReadOnlyList<string> Split(string? text) =>
        (text ?? "")
            .Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0)
            .ToList();
}
