using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Json;
using WebDemo.Inference.Onnx.ModelStore;

namespace WebDemo.Inference.Onnx.Tokenization;

/// <summary>
/// A T5-style SentencePiece (Unigram) tokenizer built with Microsoft.ML.Tokenizers from the files a
/// model repository ships: spiece.model (or the vocabulary inside tokenizer.json), the normalizer,
/// pre-tokenizer and added tokens of tokenizer.json, and tokenizer_config.json's special tokens and
/// limits. It encodes as transformers.js does with tokenizer.json, id for id:
/// <list type="number">
/// <item>split the text on added tokens (&lt;/s&gt;, &lt;pad&gt;, &lt;unk&gt;, &lt;extra_id_N&gt;), longest first;</item>
/// <item>normalize each other section as transformers.js's Precompiled normalizer does (control
/// characters dropped, unusual spaces made spaces, NFKC) — not with the model's own precompiled
/// charsmap, which the library applies and which differs on a few characters (BEL, for one);</item>
/// <item>split on white space and put "▁" before each word (WhitespaceSplit, Metaspace);</item>
/// <item>segment each word with the library's Unigram model, then fuse runs of unknown pieces into one
/// &lt;unk&gt; (as transformers.js and SentencePiece do; the library leaves one per character);</item>
/// <item>end with &lt;/s&gt;, cutting the text's tokens so the whole fits <see cref="MaxLength"/>.</item>
/// </list>
/// </summary>
internal sealed class SentencePieceTextEncoder
{
    private const string MetaspaceReplacement = "\u2581";

    private readonly SentencePieceTokenizer _tokenizer;
    private readonly AddedTokens _addedTokens;
    private readonly bool _precompiledNormalizer;
    private readonly bool _splitOnWhiteSpace;
    private readonly string? _replacement;
    private readonly PrependScheme _prepend;
    private readonly SentencePieceDecoding _decoding;

    private enum PrependScheme
    {
        Always,
        First,
        Never,
    }

    private SentencePieceTextEncoder(SentencePieceTokenizer tokenizer, AddedTokens addedTokens, PreTokenization preTokenization,
        bool precompiledNormalizer, SentencePieceDecoding decoding, int endOfSentenceId, int paddingId, int maxLength)
    {
        _tokenizer = tokenizer;
        _addedTokens = addedTokens;
        _precompiledNormalizer = precompiledNormalizer;
        (_splitOnWhiteSpace, _replacement, _prepend) = preTokenization;
        _decoding = decoding;
        EndOfSentenceId = endOfSentenceId;
        PaddingId = paddingId;
        MaxLength = maxLength;
    }

    /// <summary>The repository files this encoder can be built from: spiece.model or tokenizer.json, at least.</summary>
    public static IReadOnlyList<ModelFile> Files { get; } =
    [
        new("tokenizer_config.json", Required: false),
        new("special_tokens_map.json", Required: false),
        new("spiece.model", Required: false),
        new("tokenizer.json", Required: false),
    ];

    /// <summary>The most tokens <see cref="Encode(string)"/> gives, &lt;/s&gt; included.</summary>
    public int MaxLength { get; }

    /// <summary>&lt;/s&gt;: ends every encoded text, and generation.</summary>
    public int EndOfSentenceId { get; }

    /// <summary>&lt;pad&gt;: pads batches; T5's decoder starts from it.</summary>
    public int PaddingId { get; }

    public int UnknownId => _decoding.UnknownId;

    /// <summary>Encodes with &lt;/s&gt; at the end, cutting the text's tokens so the whole fits <see cref="MaxLength"/>.</summary>
    public EncodedText Encode(string text) => Encode(text, MaxLength);

    /// <summary>
    /// Encodes with &lt;/s&gt; at the end, cutting the text's tokens so the whole fits
    /// <paramref name="maxLength"/>. The final &lt;/s&gt; is kept, as Python's transformers does with
    /// <c>truncation=True</c>; transformers.js cuts the finished sequence and so loses it.
    /// </summary>
    public EncodedText Encode(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        var ids = Tokenize(text);
        var truncated = ids.Count + 1 > maxLength;
        if (truncated)
            ids.RemoveRange(maxLength - 1, ids.Count - (maxLength - 1));
        ids.Add(EndOfSentenceId);
        return new EncodedText([.. ids], truncated);
    }

    /// <summary>How many tokens <see cref="Encode(string)"/> makes of the text before any cut: its tokens and &lt;/s&gt;.</summary>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Tokenize(text).Count + 1;
    }

    /// <summary>transformers.js's <c>decode(ids, { skip_special_tokens })</c>.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true) => _decoding.Decode(ids, skipSpecialTokens);

    /// <summary>A decoder for one generated sequence, fed id by id; see <see cref="IncrementalDecoder"/>.</summary>
    public IncrementalDecoder CreateIncrementalDecoder(bool skipSpecialTokens = true) =>
        new SentencePieceIncrementalDecoder(_decoding, skipSpecialTokens);

    private List<int> Tokenize(string text)
    {
        var ids = new List<int>();
        var sectionIndex = -1;
        foreach (var (section, addedId) in _addedTokens.Split(text))
        {
            sectionIndex++;
            if (addedId is { } id)
            {
                ids.Add(id);
                continue;
            }
            var normalized = _precompiledNormalizer ? TransformersJsNormalization.Precompiled(section) : section;
            if (normalized.Length == 0)
                continue;
            // transformers.js looks the normalized section up again: "＜extra_id_0＞" is <extra_id_0>.
            if (_addedTokens.Id(normalized) is { } normalizedId)
            {
                ids.Add(normalizedId);
                continue;
            }

            var fuseFrom = ids.Count;
            foreach (var word in _splitOnWhiteSpace ? TransformersJsNormalization.WhiteSpaceSplit(normalized) : [normalized])
            {
                var piece = _replacement is null ? word : word.Replace(" ", _replacement, StringComparison.Ordinal);
                if (_replacement is not null && !piece.StartsWith(_replacement, StringComparison.Ordinal)
                    && (_prepend == PrependScheme.Always || (_prepend == PrependScheme.First && sectionIndex == 0)))
                    piece = _replacement + piece;
                ids.AddRange(_tokenizer.EncodeToIds(piece, addBeginningOfSentence: false, addEndOfSentence: false,
                    considerPreTokenization: false, considerNormalization: false));
            }
            FuseUnknown(ids, fuseFrom);
        }
        return ids;
    }

    /// <summary>One &lt;unk&gt; for each run of them from <paramref name="from"/> on (transformers.js's fuse_unk).</summary>
    private void FuseUnknown(List<int> ids, int from)
    {
        var kept = from;
        for (var i = from; i < ids.Count; i++)
        {
            if (ids[i] == UnknownId && kept > from && ids[kept - 1] == UnknownId)
                continue;
            ids[kept++] = ids[i];
        }
        ids.RemoveRange(kept, ids.Count - kept);
    }

    /// <param name="maxLength">The most tokens to encode to; tokenizer_config's model_max_length (else 512) when null.</param>
    public static SentencePieceTextEncoder Load(ModelSnapshot snapshot, int? maxLength = null)
    {
        var settings = snapshot.ReadJson("tokenizer_config.json");
        var specials = snapshot.ReadJson("special_tokens_map.json");
        var tokenizerJson = snapshot.ReadJson("tokenizer.json");
        try
        {
            var model = ReadModel(snapshot, tokenizerJson, settings, specials);
            var added = AddedTokenList(tokenizerJson, settings, model);
            var pieces = AllPieces(model, added);
            var additional = TokenizerSettings.TokenList(settings, "additional_special_tokens")
                ?? TokenizerSettings.TokenList(specials, "additional_special_tokens") ?? [];
            var specialTokens = added.Where(t => t.Special).Select(t => t.Content).Concat(additional).ToHashSet(StringComparer.Ordinal);
            var addedTokens = new AddedTokens(added);

            var tokenizer = SentencePieceTokenizer.Create(new MemoryStream(model.Bytes), addBeginningOfSentence: false,
                addEndOfSentence: false, specialTokens: added.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal));

            var preTokenization = ReadPreTokenization(snapshot, tokenizerJson);
            var decoding = new SentencePieceDecoding(pieces, specialTokens, model.UnknownId, model.ByteFallback,
                stripLeadingSpace: preTokenization.Prepend != PrependScheme.Never,
                cleanUpSpaces: settings?.BoolOrNull("clean_up_tokenization_spaces") ?? true);

            var endOfSentence = IdOf(TokenizerSettings.Token(settings, specials, "eos_token"), addedTokens, pieces) ?? model.EndOfSentenceId;
            if (endOfSentence < 0)
                throw new InvalidDataException("the tokenizer has no end-of-sequence token (eos_token)");
            var padding = IdOf(TokenizerSettings.Token(settings, specials, "pad_token"), addedTokens, pieces) ?? model.PaddingId;

            // model_max_length is sometimes a huge sentinel (1e30) meaning "none given".
            var configured = settings?.DoubleOrNull("model_max_length") is { } value and > 0 and < 1e6 ? (int)value : 512;
            return new SentencePieceTextEncoder(tokenizer, addedTokens, preTokenization, ReadNormalizer(snapshot, tokenizerJson, model),
                decoding, endOfSentence, padding, Math.Max(maxLength ?? configured, 2));
        }
        catch (Exception ex) when (ex is not InferenceException)
        {
            throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"The tokenizer files of '{snapshot.RepoId}' could not be read: {ex.Message}", ex);
        }
    }

    private static SentencePieceModel ReadModel(ModelSnapshot snapshot, JsonElement? tokenizerJson, JsonElement? settings, JsonElement? specials)
    {
        if (snapshot.TryGet("spiece.model") is { } file)
        {
            var model = SentencePieceModel.Read(File.ReadAllBytes(file));
            if (!model.IsUnigram)
                throw new InvalidDataException("spiece.model is not a Unigram model (T5's kind); BPE SentencePiece models need another tokenizer");
            return model;
        }

        // No spiece.model (transformers.js repositories often have none): the same model from tokenizer.json.
        if (tokenizerJson?.Member("model") is { } json && json.StringOrNull("type") == "Unigram"
            && json.Member("vocab") is { ValueKind: JsonValueKind.Array } vocab)
        {
            var unknownId = json.IntOrNull("unk_id") ?? throw new InvalidDataException("tokenizer.json's Unigram model has no unk_id");
            var specialContents = tokenizerJson.Value.Member("added_tokens") is { ValueKind: JsonValueKind.Array } added
                ? added.EnumerateArray().Where(t => t.BoolOrNull("special") == true).Select(t => t.StringOrNull("content"))
                    .OfType<string>().ToHashSet(StringComparer.Ordinal)
                : [];
            var pieces = vocab.EnumerateArray().Select((entry, id) =>
            {
                var piece = entry[0].GetString() ?? "";
                var type = id == unknownId ? PieceType.Unknown : specialContents.Contains(piece) ? PieceType.Control : PieceType.Normal;
                return new VocabularyPiece(piece, entry[1].GetSingle(), type);
            }).ToList();
            int IdOfPiece(string name, string fallback) =>
                pieces.FindIndex(p => p.Piece == (TokenizerSettings.Token(settings, specials, name) ?? fallback));
            return SentencePieceModel.FromPieces(pieces, unknownId, IdOfPiece("eos_token", "</s>"), IdOfPiece("pad_token", "<pad>"),
                json.BoolOrNull("byte_fallback") ?? false);
        }
        throw new InferenceException(InferenceErrorKind.ModelNotFound,
            $"Model '{snapshot.RepoId}' has neither spiece.model nor a Unigram tokenizer.json.");
    }

    /// <summary>
    /// tokenizer.json's added_tokens, else tokenizer_config.json's added_tokens_decoder, else what
    /// T5Tokenizer adds to a bare spiece.model: its control and unknown pieces, and extra_ids
    /// sentinels &lt;extra_id_0&gt; … counting down from the top of the vocabulary.
    /// </summary>
    private static List<AddedToken> AddedTokenList(JsonElement? tokenizerJson, JsonElement? settings, SentencePieceModel model)
    {
        if (AddedTokens.Read(tokenizerJson, settings) is { } listed)
            return listed;
        var extraIds = settings?.IntOrNull("extra_ids") ?? 100;
        return
        [
            .. model.Pieces.Select((p, id) => (p, id)).Where(x => x.p.Type is PieceType.Control or PieceType.Unknown)
                .Select(x => new AddedToken(x.id, x.p.Piece, Special: true)),
            .. Enumerable.Range(0, extraIds).Select(n => new AddedToken(model.Pieces.Count + extraIds - 1 - n, $"<extra_id_{n}>", Special: true)),
        ];
    }

    /// <summary>Every token by id: the model's pieces with the added tokens over and after them (gaps read as unknown).</summary>
    private static string[] AllPieces(SentencePieceModel model, List<AddedToken> added)
    {
        var count = Math.Max(model.Pieces.Count, added.Count == 0 ? 0 : added.Max(t => t.Id) + 1);
        var pieces = new string[count];
        for (var id = 0; id < count; id++)
            pieces[id] = id < model.Pieces.Count ? model.Pieces[id].Piece : model.Pieces[model.UnknownId].Piece;
        foreach (var token in added.Where(t => t.Id >= 0))
            pieces[token.Id] = token.Content;
        return pieces;
    }

    private static int? IdOf(string? token, AddedTokens added, string[] pieces) =>
        token is null ? null : added.Id(token) ?? (Array.IndexOf(pieces, token) is >= 0 and var id ? id : null);

    private readonly record struct PreTokenization(bool SplitOnWhiteSpace, string? Replacement, PrependScheme Prepend);

    /// <summary>
    /// tokenizer.json's pre-tokenizer (T5's is WhitespaceSplit then Metaspace); without tokenizer.json,
    /// what the converter of a SentencePiece model makes of it (the same).
    /// </summary>
    private static PreTokenization ReadPreTokenization(ModelSnapshot snapshot, JsonElement? tokenizerJson)
    {
        if (tokenizerJson is null)
            return new(true, MetaspaceReplacement, PrependScheme.Always);
        JsonElement[] steps = tokenizerJson.Value.Member("pre_tokenizer") is not { } pre ? []
            : pre.StringOrNull("type") == "Sequence" && pre.Member("pretokenizers") is { ValueKind: JsonValueKind.Array } list ? [.. list.EnumerateArray()]
            : [pre];
        var result = new PreTokenization(false, null, PrependScheme.Never);
        foreach (var step in steps)
        {
            switch (step.StringOrNull("type"))
            {
                case "WhitespaceSplit":
                    result = result with { SplitOnWhiteSpace = true };
                    break;
                case "Metaspace":
                    // prepend_scheme, or the older add_prefix_space (true unless said otherwise).
                    var prepend = step.StringOrNull("prepend_scheme") switch
                    {
                        "first" => PrependScheme.First,
                        "never" => PrependScheme.Never,
                        "always" => PrependScheme.Always,
                        _ => step.BoolOrNull("add_prefix_space") == false ? PrependScheme.Never : PrependScheme.Always,
                    };
                    result = result with { Replacement = step.StringOrNull("replacement") ?? MetaspaceReplacement, Prepend = prepend };
                    break;
                default:
                    throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                        $"The tokenizer of '{snapshot.RepoId}' has a pre-tokenizer this app does not implement ({step.StringOrNull("type")}).");
            }
        }
        return result;
    }

    /// <summary>
    /// Whether to apply the Precompiled normalizer: tokenizer.json's normalizer when it has one
    /// (null means none), else the model's own rule (anything but "identity" normalizes).
    /// </summary>
    private static bool ReadNormalizer(ModelSnapshot snapshot, JsonElement? tokenizerJson, SentencePieceModel model)
    {
        if (tokenizerJson is null)
            return model.NormalizerName != "identity";
        return tokenizerJson.Value.Member("normalizer")?.StringOrNull("type") switch
        {
            null => false,
            "Precompiled" => true,
            var other => throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"The tokenizer of '{snapshot.RepoId}' has a normalizer this app does not implement ({other})."),
        };
    }
}

/// <summary>
/// What transformers.js does to text before a T5-style model sees it, where that is not what the
/// SentencePiece model file says.
/// </summary>
internal static class TransformersJsNormalization
{
    /// <summary>
    /// transformers.js's Precompiled normalizer: it does not read the charsmap but drops control
    /// characters, makes tabs, newlines and unusual spaces (and ▁, U+FFFD) spaces, and applies NFKC,
    /// leaving "～" (U+FF5E) as it is. Lone surrogates stay as they are (NFKC is applied around them;
    /// .NET's would throw on them), as JavaScript strings keep them.
    /// </summary>
    public static string Precompiled(string text)
    {
        var cleaned = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is (>= '\u0001' and <= '\u0008') or '\u000B' or (>= '\u000E' and <= '\u001F') or '\u007F' or '\u008F' or '\u009F')
                continue;
            cleaned.Append(c is '\t' or '\n' or '\f' or '\r' or '\u00A0' or '\u1680' or (>= '\u2000' and <= '\u200F')
                or '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u2581' or '\u3000' or '\uFEFF' or '\uFFFD' ? ' ' : c);
        }

        var normalized = new StringBuilder(cleaned.Length);
        var start = 0;
        for (var i = 0; i < cleaned.Length; i++)
        {
            if (char.IsHighSurrogate(cleaned[i]) && i + 1 < cleaned.Length && char.IsLowSurrogate(cleaned[i + 1]))
            {
                i++;
                continue;
            }
            if (cleaned[i] != '\uFF5E' && !char.IsSurrogate(cleaned[i]))
                continue;
            normalized.Append(cleaned.ToString(start, i - start).Normalize(NormalizationForm.FormKC)).Append(cleaned[i]);
            start = i + 1;
        }
        return normalized.Append(cleaned.ToString(start, cleaned.Length - start).Normalize(NormalizationForm.FormKC)).ToString();
    }

    /// <summary>WhitespaceSplit as transformers.js runs it: the runs of characters JavaScript's <c>\S</c> matches.</summary>
    public static IEnumerable<string> WhiteSpaceSplit(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var space = i == text.Length || IsJavaScriptWhiteSpace(text[i]);
            if (!space && start < 0)
                start = i;
            else if (space && start >= 0)
            {
                yield return text[start..i];
                start = -1;
            }
        }
    }

    /// <summary>JavaScript's <c>\s</c>: ECMAScript WhiteSpace and LineTerminator.</summary>
    private static bool IsJavaScriptWhiteSpace(char c) =>
        c is '\t' or '\n' or '\v' or '\f' or '\r' or ' ' or '\u00A0' or '\u1680' or (>= '\u2000' and <= '\u200A')
            or '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' or '\uFEFF';
}
