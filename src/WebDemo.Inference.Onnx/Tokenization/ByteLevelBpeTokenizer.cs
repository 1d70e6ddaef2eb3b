using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Json;
using WebDemo.Inference.Onnx.ModelStore;

namespace WebDemo.Inference.Onnx.Tokenization;

/// <summary>
/// Byte-level BPE (GPT-2, Llama 3, Qwen 2, SmolLM2) from tokenizer.json, as transformers.js runs it.
/// Each section between added tokens is normalized (none, NFC or NFKC), pre-tokenized by the steps of
/// tokenizer.json's pre-tokenizer in order (Split on its regex, Digits, ByteLevel with or without
/// GPT-2's regex), each piece's UTF-8 bytes become GPT-2's byte characters (space → Ġ), and
/// Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>, built from the vocabulary and merges inside
/// tokenizer.json, merges them. Decoding turns the byte characters back into UTF-8, invalid
/// sequences as U+FFFD (TextDecoder's replacement), added tokens as their text.
/// </summary>
/// <remarks>
/// Regexes run on UTF-16 in .NET and on code points in JavaScript: a letter or digit outside the
/// Basic Multilingual Plane (𝐀, 𠀀) is not <c>\p{L}</c> here, so texts with them may split differently.
/// </remarks>
internal sealed class ByteLevelBpeTokenizer : CausalLmTokenizer
{
    // JavaScript's \s (the ByteLevel pre-tokenizer's regex is a JavaScript literal in transformers.js).
    private const string JsSpace = @"\t\n\v\f\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF";
    private static readonly Regex Gpt2Split = new(
        $@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{{L}}+| ?\p{{N}}+| ?[^{JsSpace}\p{{L}}\p{{N}}]+|[{JsSpace}]+(?![^{JsSpace}])|[{JsSpace}]+",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private static readonly string[] ByteToChar = BuildByteTable();
    private static readonly Dictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b][0], b => (byte)b);

    private readonly BpeTokenizer _bpe;
    private readonly IReadOnlyDictionary<string, int> _vocabulary;
    private readonly bool _ignoreMerges;
    private readonly NormalizationForm? _normalization;
    private readonly Func<string, IEnumerable<string>>[] _preTokenizers;
    private readonly HashSet<int> _addedIds;

    private ByteLevelBpeTokenizer(TokenizerFiles files, BpeTokenizer bpe, IReadOnlyDictionary<string, int> vocabulary, bool ignoreMerges,
        NormalizationForm? normalization, Func<string, IEnumerable<string>>[] preTokenizers)
        : base(files)
    {
        _bpe = bpe;
        _vocabulary = vocabulary;
        _ignoreMerges = ignoreMerges;
        _normalization = normalization;
        _preTokenizers = preTokenizers;
        _addedIds = [.. files.Added.Select(t => t.Id)];
    }

    public static ByteLevelBpeTokenizer Load(ModelSnapshot snapshot, JsonElement tokenizerJson)
    {
        var model = tokenizerJson.Member("model")!.Value;
        var vocabulary = model.Member("vocab") is { ValueKind: JsonValueKind.Object } vocab
            ? vocab.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal)
            : throw new InvalidDataException("tokenizer.json's BPE model has no vocab");
        // Merges are "a b" strings (older files) or ["a", "b"] pairs (tokenizers 0.20 on).
        var merges = model.Member("merges") is { ValueKind: JsonValueKind.Array } list
            ? list.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.Array ? $"{m[0].GetString()} {m[1].GetString()}" : m.GetString()!).ToList()
            : throw new InvalidDataException("tokenizer.json's BPE model has no merges");
        var bpe = BpeTokenizer.Create(new BpeOptions(vocabulary) { Merges = merges });
        var files = TokenizerFiles.Read(snapshot, tokenizerJson, vocabulary, () => []);
        return new ByteLevelBpeTokenizer(files, bpe, vocabulary, model.BoolOrNull("ignore_merges") ?? false,
            ReadNormalizer(snapshot, tokenizerJson), ReadPreTokenizers(snapshot, tokenizerJson));
    }

    private protected override void EncodeSection(string section, int sectionIndex, List<int> ids)
    {
        var text = _normalization is { } form ? section.Normalize(form) : section;
        IEnumerable<string> pieces = [text];
        foreach (var step in _preTokenizers)
            pieces = pieces.SelectMany(step).Where(p => p.Length > 0).ToList();
        foreach (var piece in pieces)
        {
            if (_ignoreMerges && _vocabulary.TryGetValue(piece, out var whole))
                ids.Add(whole);
            else
                ids.AddRange(_bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false));
        }
    }

    public override IncrementalDecoder CreateIncrementalDecoder(bool skipSpecialTokens = true) =>
        new ByteLevelIncrementalDecoder(this, skipSpecialTokens);

    /// <summary>The text as GPT-2's byte characters: each UTF-8 byte one printable character.</summary>
    public static string ToByteChars(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
            result.Append(ByteToChar[b]);
        return result.ToString();
    }

    /// <summary>GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others for U+0100 on.</summary>
    private static string[] BuildByteTable()
    {
        var table = new string[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is (>= '!' and <= '~') or (>= '¡' and <= '¬') or (>= '®' and <= 'ÿ');
            table[b] = ((char)(printable ? b : next++)).ToString();
        }
        return table;
    }

    private static NormalizationForm? ReadNormalizer(ModelSnapshot snapshot, JsonElement tokenizerJson)
    {
        NormalizationForm? form = null;
        foreach (var step in Steps(tokenizerJson.Member("normalizer"), "normalizers"))
        {
            form = step.StringOrNull("type") switch
            {
                "NFC" => NormalizationForm.FormC,
                "NFKC" => NormalizationForm.FormKC,
                var other => throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                    $"The tokenizer of '{snapshot.RepoId}' has a normalizer this app does not implement ({other})."),
            };
        }
        return form;
    }

    /// <summary>tokenizer.json's pre-tokenizer steps, each splitting a piece of text into pieces, as transformers.js runs them.</summary>
    private static Func<string, IEnumerable<string>>[] ReadPreTokenizers(ModelSnapshot snapshot, JsonElement tokenizerJson) =>
        [.. Steps(tokenizerJson.Member("pre_tokenizer"), "pretokenizers").Select(step => step.StringOrNull("type") switch
        {
            "ByteLevel" => ByteLevelStep(step.BoolOrNull("add_prefix_space") ?? false, step.BoolOrNull("use_regex") ?? true),
            "Split" => SplitStep(step),
            "Digits" => DigitsStep(step.BoolOrNull("individual_digits") ?? false),
            var other => throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"The tokenizer of '{snapshot.RepoId}' has a pre-tokenizer this app does not implement ({other})."),
        })];

    private static Func<string, IEnumerable<string>> ByteLevelStep(bool addPrefixSpace, bool useRegex) => text =>
    {
        if (addPrefixSpace && !text.StartsWith(' '))
            text = " " + text;
        var pieces = useRegex ? Gpt2Split.Matches(text).Select(m => m.Value) : [text];
        return pieces.Select(ToByteChars);
    };

    /// <summary>
    /// Split on tokenizer.json's regex (Llama 3's, Qwen 2's) or string. Like transformers.js: invert
    /// keeps only the matches, "Removed" drops them, every other behavior keeps matches and gaps
    /// apart (Isolated).
    /// </summary>
    private static Func<string, IEnumerable<string>> SplitStep(JsonElement step)
    {
        var pattern = step.Member("pattern");
        var regex = pattern?.StringOrNull("Regex") is { } source
            ? new Regex(source, RegexOptions.CultureInvariant | RegexOptions.Compiled)
            : pattern?.StringOrNull("String") is { } literal
                ? new Regex(Regex.Escape(literal), RegexOptions.CultureInvariant)
                : throw new InvalidDataException("a Split pre-tokenizer has no pattern");
        var invert = step.BoolOrNull("invert") ?? false;
        var removed = string.Equals(step.StringOrNull("behavior"), "Removed", StringComparison.OrdinalIgnoreCase);
        return text =>
        {
            if (invert)
                return regex.Matches(text).Select(m => m.Value);
            var pieces = new List<string>();
            var previous = 0;
            foreach (Match match in regex.Matches(text))
            {
                if (match.Index > previous)
                    pieces.Add(text[previous..match.Index]);
                if (!removed && match.Length > 0)
                    pieces.Add(match.Value);
                previous = match.Index + match.Length;
            }
            if (previous < text.Length)
                pieces.Add(text[previous..]);
            return pieces;
        };
    }

    /// <summary>Digits: runs of non-digits and each digit (or run of digits); JavaScript's \d is ASCII 0-9.</summary>
    private static Func<string, IEnumerable<string>> DigitsStep(bool individual)
    {
        var regex = new Regex(individual ? "[^0-9]+|[0-9]" : "[^0-9]+|[0-9]+", RegexOptions.CultureInvariant);
        return text => regex.Matches(text).Select(m => m.Value);
    }

    /// <summary>
    /// Byte-level decoding, id by id: the bytes of each token are held until they form whole UTF-8
    /// characters; an added token ends the bytes before it (a broken sequence becomes U+FFFD) and
    /// adds its own text; special ones are dropped with skip_special_tokens.
    /// </summary>
    private sealed class ByteLevelIncrementalDecoder(ByteLevelBpeTokenizer tokenizer, bool skipSpecialTokens)
        : IncrementalDecoder(tokenizer.Files.CleanUpSpaces)
    {
        private readonly List<byte> _pending = [];

        protected override void Append(int id, StringBuilder text)
        {
            if ((uint)id >= (uint)tokenizer.Tokens.Count || (skipSpecialTokens && tokenizer.IsSpecial(id)))
                return;
            var token = tokenizer.Tokens[id];
            if (tokenizer._addedIds.Contains(id))
            {
                Finish(text);
                text.Append(token);
                return;
            }
            foreach (var c in token)
            {
                if (CharToByte.TryGetValue(c, out var b))
                    _pending.Add(b);
                else
                    _pending.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
            var complete = _pending.Count - IncompleteTail();
            if (complete == 0)
                return;
            text.Append(Encoding.UTF8.GetString(_pending.GetRange(0, complete).ToArray()));
            _pending.RemoveRange(0, complete);
        }

        protected override void Finish(StringBuilder text)
        {
            if (_pending.Count == 0)
                return;
            text.Append(Encoding.UTF8.GetString([.. _pending]));
            _pending.Clear();
        }

        /// <summary>How many bytes at the end start a character whose remaining bytes may still come.</summary>
        private int IncompleteTail()
        {
            for (var back = 1; back <= Math.Min(3, _pending.Count); back++)
            {
                var b = _pending[^back];
                if ((b & 0xC0) == 0x80)
                    continue; // a continuation byte: look further back for its lead byte
                var length = b switch { >= 0xC2 and <= 0xDF => 2, >= 0xE0 and <= 0xEF => 3, >= 0xF0 and <= 0xF4 => 4, _ => 1 };
                return length > back ? back : 0;
            }
            return 0;
        }
    }
}
