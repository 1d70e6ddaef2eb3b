using System.Globalization;
using System.Text.Json;
using WebDemo.Inference.Json;

namespace WebDemo.Inference.Onnx.Tokenization;

/// <summary>A token of tokenizer.json's added_tokens (or tokenizer_config's added_tokens_decoder).</summary>
/// <param name="Special">Whether decode's skip_special_tokens drops it.</param>
internal sealed record AddedToken(int Id, string Content, bool Special);

/// <summary>
/// Finds added tokens in text as transformers.js's splitter does, before any normalizing or
/// pre-tokenizing: leftmost, and the longest there. Special tokens written in a text are never split.
/// </summary>
internal sealed class AddedTokens
{
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<char, string[]> _byFirstChar;

    public AddedTokens(IEnumerable<AddedToken> tokens)
    {
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in tokens.Where(t => t.Content.Length > 0))
            _ids[token.Content] = token.Id;
        _byFirstChar = _ids.Keys.GroupBy(t => t[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Length).ToArray());
    }

    /// <summary>tokenizer.json's added_tokens, else tokenizer_config.json's added_tokens_decoder; null when neither file lists any.</summary>
    public static List<AddedToken>? Read(JsonElement? tokenizerJson, JsonElement? settings)
    {
        if (tokenizerJson?.Member("added_tokens") is { ValueKind: JsonValueKind.Array } list)
        {
            return [.. list.EnumerateArray()
                .Where(t => t.IntOrNull("id") is not null && t.StringOrNull("content") is not null)
                .Select(t => new AddedToken(t.IntOrNull("id")!.Value, t.StringOrNull("content")!, t.BoolOrNull("special") ?? false))];
        }
        if (settings?.Member("added_tokens_decoder") is { ValueKind: JsonValueKind.Object } decoder)
        {
            return [.. decoder.EnumerateObject()
                .Where(p => int.TryParse(p.Name, out _) && p.Value.StringOrNull("content") is not null)
                .Select(p => new AddedToken(int.Parse(p.Name, CultureInfo.InvariantCulture),
                    p.Value.StringOrNull("content")!, p.Value.BoolOrNull("special") ?? false))];
        }
        return null;
    }

    public int? Id(string token) => _ids.TryGetValue(token, out var id) ? id : null;

    /// <summary>The text in sections: (text, null) between added tokens, (token, id) for each.</summary>
    public IEnumerable<(string Text, int? Id)> Split(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length;)
        {
            var match = _byFirstChar.TryGetValue(text[i], out var candidates)
                ? candidates.FirstOrDefault(c => string.CompareOrdinal(text, i, c, 0, c.Length) == 0)
                : null;
            if (match is null)
            {
                i++;
                continue;
            }
            if (i > start)
                yield return (text[start..i], null);
            yield return (match, _ids[match]);
            i += match.Length;
            start = i;
        }
        if (start < text.Length)
            yield return (text[start..], null);
    }
}
