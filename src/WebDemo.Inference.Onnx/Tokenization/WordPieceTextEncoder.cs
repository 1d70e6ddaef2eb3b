using System.Globalization;
using System.Text;
using System.Text.Json;
using WebDemo.Inference.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.ModelStore;

namespace WebDemo.Inference.Onnx.Tokenization;

/// <summary>
/// A BERT-family (WordPiece) tokenizer built with Microsoft.ML.Tokenizers from the files a model
/// repository ships: vocab.txt (or the vocabulary inside tokenizer.json) and the settings of
/// tokenizer_config.json (lower-casing, accents, CJK, special tokens, maximum length).
/// </summary>
internal sealed partial class WordPieceTextEncoder
{
    private readonly BertTokenizer _tokenizer;

    private WordPieceTextEncoder(BertTokenizer tokenizer, int maxLength)
    {
        _tokenizer = tokenizer;
        MaxLength = maxLength;
    }

    /// <summary>The most tokens the model takes, [CLS] and [SEP] included.</summary>
    public int MaxLength { get; }

    public int PaddingId => _tokenizer.PaddingTokenId;

    /// <summary>The repository files this encoder can be built from.</summary>
    public static IReadOnlyList<ModelFile> Files { get; } =
    [
        new("tokenizer_config.json", Required: false),
        new("special_tokens_map.json", Required: false),
        new("vocab.txt", Required: false),
        new("tokenizer.json", Required: false),
    ];

    /// <summary>Encodes with [CLS] … [SEP], cutting the text's tokens so the whole fits <see cref="MaxLength"/>.</summary>
    public EncodedText Encode(string text)
    {
        var ids = _tokenizer.EncodeToIds(CleanText(text), addSpecialTokens: false);
        var room = MaxLength - 2;
        var truncated = ids.Count > room;
        var body = truncated ? ids.Take(room) : ids;
        var all = new int[Math.Min(ids.Count, room) + 2];
        all[0] = _tokenizer.ClassificationTokenId;
        var i = 1;
        foreach (var id in body)
            all[i++] = id;
        all[^1] = _tokenizer.SeparatorTokenId;
        return new EncodedText(all, truncated);
    }

    /// <summary>
    /// The part of transformers' BERT clean-up that Microsoft.ML.Tokenizers' BertNormalizer does
    /// differently: \t, \n and \r are white space (it drops them as control characters, gluing
    /// "a\tb" into one word), and format (Cf) and private-use (Co) characters are dropped (it keeps
    /// them, so "a\u200Bb" became [UNK]).
    /// </summary>
    private static string CleanText(string text)
    {
        if (!text.EnumerateRunes().Any(NeedsCleaning))
            return text;
        var cleaned = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is '\t' or '\n' or '\r')
                cleaned.Append(' ');
            else if (!NeedsCleaning(rune))
                cleaned.Append(rune.ToString());
        }
        return cleaned.ToString();
    }

    private static bool NeedsCleaning(Rune rune) =>
        rune.Value is '\t' or '\n' or '\r'
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.PrivateUse;

    public static WordPieceTextEncoder Load(ModelSnapshot snapshot, int? modelMaxPositions)
    {
        var settings = snapshot.ReadJson("tokenizer_config.json");
        var specials = snapshot.ReadJson("special_tokens_map.json");
        var lowerCase = settings?.BoolOrNull("do_lower_case") ?? LowerCaseFromTokenizerJson(snapshot) ?? true;

        var options = new BertOptions
        {
            LowerCaseBeforeTokenization = lowerCase,
            // transformers: strip_accents unset means "do what lower-casing does".
            RemoveNonSpacingMarks = settings?.BoolOrNull("strip_accents") ?? lowerCase,
            IndividuallyTokenizeCjk = settings?.BoolOrNull("tokenize_chinese_chars") ?? true,
            ApplyBasicTokenization = settings?.BoolOrNull("do_basic_tokenize") ?? true,
            PreTokenizer = new RegexPreTokenizer(BertPreTokenizerPattern(), null),
            SplitOnSpecialTokens = true,
            UnknownToken = TokenizerSettings.Token(settings, specials, "unk_token") ?? "[UNK]",
            ClassificationToken = TokenizerSettings.Token(settings, specials, "cls_token") ?? "[CLS]",
            SeparatorToken = TokenizerSettings.Token(settings, specials, "sep_token") ?? "[SEP]",
            PaddingToken = TokenizerSettings.Token(settings, specials, "pad_token") ?? "[PAD]",
            MaskingToken = TokenizerSettings.Token(settings, specials, "mask_token") ?? "[MASK]",
        };

        BertTokenizer tokenizer;
        try
        {
            using var vocab = OpenVocabulary(snapshot);
            tokenizer = BertTokenizer.Create(vocab, options);
        }
        catch (Exception ex) when (ex is not InferenceException)
        {
            throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"The tokenizer files of '{snapshot.RepoId}' could not be read: {ex.Message}", ex);
        }

        // model_max_length is sometimes a huge sentinel (1e30); the position table is the real limit.
        var configured = settings?.DoubleOrNull("model_max_length") ?? double.MaxValue;
        var maxLength = (int)Math.Min(Math.Min(configured, modelMaxPositions ?? 512), int.MaxValue);
        return new WordPieceTextEncoder(tokenizer, Math.Max(maxLength, 3));
    }

    private static Stream OpenVocabulary(ModelSnapshot snapshot)
    {
        if (snapshot.TryGet("vocab.txt") is { } vocabFile)
            return File.OpenRead(vocabFile);

        // No vocab.txt: rebuild it from tokenizer.json's WordPiece model (token → id).
        if (snapshot.ReadJson("tokenizer.json")?.Member("model")?.Member("vocab") is { ValueKind: JsonValueKind.Object } vocab)
        {
            var tokens = vocab.EnumerateObject().OrderBy(p => p.Value.GetInt32()).Select(p => p.Name);
            return new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', tokens) + "\n"));
        }
        throw new InferenceException(InferenceErrorKind.ModelNotFound,
            $"Model '{snapshot.RepoId}' has neither vocab.txt nor a WordPiece tokenizer.json.");
    }

    private static bool? LowerCaseFromTokenizerJson(ModelSnapshot snapshot) =>
        snapshot.ReadJson("tokenizer.json")?.Member("normalizer")?.BoolOrNull("lowercase");

    /// <summary>
    /// The pre-tokenization rule of transformers' BERT tokenizer: white space separates words and
    /// every punctuation character (Unicode P, and all ASCII symbols) is a word of its own; other
    /// symbols (emoji, ©, °) stay inside their word. The library's default pre-tokenizer drops
    /// those symbols, so "good🙂" would lose its [UNK] and "©" its id.
    /// </summary>
    [GeneratedRegex(@"[\p{P}\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E]|[^\s\p{P}\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E]+")]
    private static partial Regex BertPreTokenizerPattern();
}
