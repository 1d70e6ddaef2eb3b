using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using WebDemo.Inference.Json;

namespace WebDemo.Inference.Onnx.Tokenization;

/// <summary>
/// CLIP's BPE tokenizer (Stable Diffusion's <c>tokenizer/</c>: vocab.json + merges.txt +
/// tokenizer_config.json), giving the ids of transformers.js's CLIPTokenizer: the text is NFC
/// normalized, runs of whitespace become one space, it is lower-cased; CLIP's regex splits it into
/// words, numbers (one digit each) and runs of other characters; each piece's UTF-8 bytes become
/// GPT-2's byte characters, and Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/> with CLIP's
/// end-of-word suffix <c>&lt;/w&gt;</c> merges them by merges.txt's ranks (the same ids as
/// transformers.js's BPE on every piece of the reference prompts). <c>&lt;|startoftext|&gt;</c> and
/// <c>&lt;|endoftext|&gt;</c> frame the ids, then padding to the model's 77 tokens.
/// </summary>
/// <remarks>
/// Longer prompts are cut as Python's tokenizer cuts them (and diffusers relies on): the first
/// 75 tokens between the start and the end token, so the text encoder always sees
/// <c>&lt;|endoftext|&gt;</c>; transformers.js cuts after the 77th id instead, dropping it.
/// .NET lower-cases each UTF-16 unit alone: JavaScript's context-dependent final sigma (Σ → ς) and
/// its special cases (İ → i̇) differ; and a letter or digit outside the Basic Multilingual Plane
/// (𝐀) is not <c>\p{L}</c> to .NET's regex, so it goes with the punctuation runs.
/// </remarks>
internal sealed class ClipTokenizer
{
    // JavaScript's \s, which transformers.js's normalizer and regexes use.
    private const string JsSpace = @"\t\n\v\f\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF";
    private static readonly Regex Whitespace = new($"[{JsSpace}]+", RegexOptions.CultureInvariant | RegexOptions.Compiled);
    private static readonly Regex ClipSplit = new(
        $@"'s|'t|'re|'ve|'m|'ll|'d|[\p{{L}}]+|[\p{{N}}]|[^{JsSpace}\p{{L}}\p{{N}}]+",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);
    // The ByteLevel pre-tokenizer's own GPT-2 regex, which tokenizer.json runs after CLIP's split.
    private static readonly Regex Gpt2Split = new(
        $@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{{L}}+| ?\p{{N}}+| ?[^{JsSpace}\p{{L}}\p{{N}}]+|[{JsSpace}]+(?![^{JsSpace}])|[{JsSpace}]+",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    public const string EndOfWord = "</w>";

    private readonly Dictionary<string, int> _vocabulary;
    private readonly BpeTokenizer _bpe;
    private readonly Regex _special;

    /// <param name="merges">merges.txt's "left right" lines, in rank order.</param>
    public ClipTokenizer(Dictionary<string, int> vocabulary, IEnumerable<string> merges,
        int maxLength = 77, string bos = "<|startoftext|>", string eos = "<|endoftext|>", string? pad = null, string? unk = null)
    {
        _vocabulary = vocabulary;
        MaxLength = maxLength;
        BosId = Id(bos);
        EosId = Id(eos);
        PadId = Id(pad ?? eos);
        var unknown = unk is not null && vocabulary.ContainsKey(unk) ? unk : eos;
        UnkId = vocabulary[unknown];
        _bpe = BpeTokenizer.Create(new BpeOptions(vocabulary) { Merges = merges, EndOfWordSuffix = EndOfWord, UnknownToken = unknown });
        _special = new Regex($"{Regex.Escape(bos)}|{Regex.Escape(eos)}", RegexOptions.CultureInvariant);

        int Id(string token) => vocabulary.TryGetValue(token, out var id)
            ? id
            : throw new InvalidDataException($"The CLIP vocabulary has no '{token}'.");
    }

    /// <summary>The files of a diffusers <c>tokenizer/</c> folder (<paramref name="folder"/> "tokenizer/").</summary>
    public static IEnumerable<string> Files(string folder) =>
        [folder + "vocab.json", folder + "merges.txt", folder + "tokenizer_config.json", folder + "special_tokens_map.json"];

    /// <summary>Reads vocab.json, merges.txt and (when there) tokenizer_config.json and special_tokens_map.json.</summary>
    public static ClipTokenizer Load(string vocabPath, string mergesPath, string? configPath = null, string? specialTokensPath = null)
    {
        var vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath))
            ?? throw new InvalidDataException("vocab.json is empty");
        var merges = File.ReadLines(mergesPath)
            .Where(line => line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal))
            .Where(line => line.Split(' ').Length == 2)
            .ToList();
        var config = JsonElementExtensions.ReadFile(configPath);
        var specials = JsonElementExtensions.ReadFile(specialTokensPath);
        string? Token(string name) => TokenText(config, name) ?? TokenText(specials, name);
        var maxLength = config?.Member("model_max_length") is { ValueKind: JsonValueKind.Number } m && m.TryGetDouble(out var d) && d is >= 2 and <= 4096
            ? (int)d
            : 77;
        return new ClipTokenizer(vocabulary, merges, maxLength,
            Token("bos_token") ?? "<|startoftext|>", Token("eos_token") ?? "<|endoftext|>", Token("pad_token"), Token("unk_token"));
    }

    /// <summary>A special token as tokenizer_config.json writes it: a string or an AddedToken object.</summary>
    private static string? TokenText(JsonElement? json, string name) => json?.Member(name) switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Object } o => o.StringOrNull("content"),
        _ => null,
    };

    public int MaxLength { get; }

    public int BosId { get; }

    public int EosId { get; }

    public int PadId { get; }

    public int UnkId { get; }

    /// <summary>The ids of <paramref name="text"/> between the start and end tokens, uncut (transformers.js's <c>input_ids</c>).</summary>
    public List<int> EncodeUncut(string text)
    {
        var ids = new List<int> { BosId };
        var previous = 0;
        // Special tokens written in the text are theirs (transformers.js splits on added tokens first).
        foreach (Match match in _special.Matches(text))
        {
            EncodeSection(text[previous..match.Index], ids);
            ids.Add(_vocabulary[match.Value]);
            previous = match.Index + match.Length;
        }
        EncodeSection(text[previous..], ids);
        ids.Add(EosId);
        return ids;
    }

    /// <summary>
    /// The text encoder's input: <see cref="MaxLength"/> ids, cut as Python cuts (the end token kept)
    /// and padded with the pad token. <paramref name="truncated"/> says whether text was dropped.
    /// </summary>
    public int[] Encode(string text, out bool truncated)
    {
        var ids = EncodeUncut(text);
        truncated = ids.Count > MaxLength;
        if (truncated)
        {
            ids.RemoveRange(MaxLength - 1, ids.Count - MaxLength + 1);
            ids.Add(EosId);
        }
        while (ids.Count < MaxLength)
            ids.Add(PadId);
        return [.. ids];
    }

    public int[] Encode(string text) => Encode(text, out _);

    private void EncodeSection(string section, List<int> ids)
    {
        if (section.Length == 0)
            return;
        var text = Whitespace.Replace(section.Normalize(NormalizationForm.FormC), " ").ToLowerInvariant();
        foreach (Match word in ClipSplit.Matches(text))
        {
            foreach (Match piece in Gpt2Split.Matches(word.Value))
                ids.AddRange(_bpe.EncodeToIds(ByteLevelBpeTokenizer.ToByteChars(piece.Value), considerPreTokenization: false, considerNormalization: false));
        }
    }
}
