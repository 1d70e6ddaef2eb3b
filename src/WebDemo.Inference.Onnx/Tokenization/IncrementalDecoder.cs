using System.Text;

namespace WebDemo.Inference.Onnx.Tokenization;

/// <summary>
/// Turns the ids a model generates, fed one at a time, into text for the page. Text is handed out
/// only once no later id can change it: whole words (a word is done when white space follows it),
/// never part of one, nor half of a character whose bytes are still arriving. Everything
/// <see cref="Add"/> returned, followed by <see cref="Flush"/>, equals the tokenizer's decode of
/// all the ids at once (transformers' <c>decode(ids, skip_special_tokens)</c>).
/// </summary>
/// <remarks>
/// A tokenizer family plugs in by turning each id into the text it adds (<see cref="Append"/>),
/// holding back what is not text yet (partial UTF-8 bytes) until <see cref="Finish"/>; the text so
/// far must only ever grow at its end. This class picks where it is safe to cut, including around
/// transformers' <c>clean_up_tokenization</c>, which deletes a space before punctuation and
/// contractions (" ." → ".", " n't" → "n't") and so can change text already decoded.
/// </remarks>
internal abstract class IncrementalDecoder
{
    private readonly StringBuilder _text = new();
    private int _emitted;
    private bool _finished;

    /// <param name="cleanUpSpaces">Apply transformers' clean_up_tokenization (tokenizer_config's clean_up_tokenization_spaces).</param>
    protected IncrementalDecoder(bool cleanUpSpaces) => CleanUpSpaces = cleanUpSpaces;

    public bool CleanUpSpaces { get; }

    /// <summary>Takes the next generated id; returns the text that became final with it, often "".</summary>
    public string Add(int id)
    {
        if (_finished)
            throw new InvalidOperationException("The decoder was flushed; start a new one for a new sequence.");
        Append(id, _text);
        return Emit(StableEnd());
    }

    /// <summary>Ends the sequence: returns all the text still held back.</summary>
    public string Flush()
    {
        if (_finished)
            return "";
        _finished = true;
        Finish(_text);
        return Emit(_text.Length);
    }

    /// <summary>Appends the text <paramref name="id"/> adds (nothing for a skipped special token, or bytes still incomplete).</summary>
    protected abstract void Append(int id, StringBuilder text);

    /// <summary>Appends whatever <see cref="Append"/> held back, as the tokenizer decodes an unfinished tail.</summary>
    protected virtual void Finish(StringBuilder text)
    {
    }

    /// <summary>transformers' clean_up_tokenization, replacement by replacement in its order.</summary>
    public static string CleanUp(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal)
        .Replace(" ?", "?", StringComparison.Ordinal)
        .Replace(" !", "!", StringComparison.Ordinal)
        .Replace(" ,", ",", StringComparison.Ordinal)
        .Replace(" ' ", "'", StringComparison.Ordinal)
        .Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal)
        .Replace(" 's", "'s", StringComparison.Ordinal)
        .Replace(" 've", "'ve", StringComparison.Ordinal)
        .Replace(" 're", "'re", StringComparison.Ordinal);

    private string Emit(int end)
    {
        if (end <= _emitted)
            return "";
        var piece = _text.ToString(_emitted, end - _emitted);
        _emitted = end;
        return CleanUpSpaces ? CleanUp(piece) : piece;
    }

    /// <summary>
    /// The latest cut in the text that no later id can move: the start of white space that follows
    /// a word, so the unfinished last word stays back. With clean-up, the text before the cut is
    /// cleaned alone and the rest alone later, so no replacement may span the cut. Every replacement
    /// deletes a space followed by one of ". ? ! , ' n"; the rest begins with white space, which
    /// clean-up leaves or turns into one of those. A replacement spanning the cut must then start
    /// before it with " n" (" n't") or " '" (" ' " with the space after the cut), so the cut waits
    /// while the text before it ends in a lone "n" or "'" after a space.
    /// </summary>
    private int StableEnd()
    {
        for (var cut = _text.Length - 1; cut > _emitted; cut--)
        {
            if (char.IsWhiteSpace(_text[cut]) && !char.IsWhiteSpace(_text[cut - 1])
                && !(CleanUpSpaces && cut >= 2 && _text[cut - 2] == ' ' && _text[cut - 1] is 'n' or '\''))
                return cut;
        }
        return _emitted;
    }
}
