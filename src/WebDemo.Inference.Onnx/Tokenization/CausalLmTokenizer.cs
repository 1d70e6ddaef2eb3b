using System.Text;
using System.Text.Json;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Json;
using WebDemo.Inference.Onnx.ModelStore;

namespace WebDemo.Inference.Onnx.Tokenization;

/// <summary>
/// The tokenizer of a causal language model (a chat model), built from the files its repository
/// ships and encoding as transformers.js does with tokenizer.json, id for id:
/// <list type="number">
/// <item>split the text on added tokens (&lt;|im_start|&gt;, &lt;/s&gt;, …), leftmost and longest first:
/// special tokens written in a text are never split;</item>
/// <item>encode each other section with the model (<see cref="EncodeSection"/>: byte-level BPE, or
/// SentencePiece BPE with byte fallback);</item>
/// <item>add the post-processor's special tokens (Llama 2's &lt;s&gt;; none for SmolLM2).</item>
/// </list>
/// <see cref="Load"/> picks the kind from tokenizer.json's model and pre-tokenizer.
/// </summary>
internal abstract class CausalLmTokenizer
{
    private readonly AddedTokens _addedTokens;
    private readonly int[] _prefix;
    private readonly int[] _suffix;

    private protected CausalLmTokenizer(TokenizerFiles files)
    {
        _addedTokens = new AddedTokens(files.Added);
        _prefix = files.Prefix;
        _suffix = files.Suffix;
        Files = files;
    }

    /// <summary>The repository files a causal-LM tokenizer can be built from: tokenizer.json or tokenizer.model, at least.</summary>
    public static IReadOnlyList<ModelFile> RepositoryFiles { get; } =
    [
        new("tokenizer_config.json", Required: false),
        new("special_tokens_map.json", Required: false),
        new("tokenizer.json", Required: false),
        new("tokenizer.model", Required: false),
    ];

    private protected TokenizerFiles Files { get; }

    /// <summary>tokenizer_config's model_max_length (a huge sentinel or none: null).</summary>
    public int? MaxLength => Files.MaxLength;

    /// <summary>tokenizer_config's chat_template (the model's own Jinja), if any.</summary>
    public string? ChatTemplate => Files.ChatTemplate;

    public string? BeginningOfSentenceToken => Files.BosToken;

    public string? EndOfSentenceToken => Files.EosToken;

    public int? BeginningOfSentenceId => TokenToId(Files.BosToken);

    /// <summary>The end-of-sequence token (generation stops at it; generation_config may name more).</summary>
    public int? EndOfSentenceId => TokenToId(Files.EosToken);

    public int? PaddingId => TokenToId(Files.PadToken);

    /// <summary>Every token by id (added tokens included); ids past it decode as nothing.</summary>
    public IReadOnlyList<string> Tokens => Files.Tokens;

    /// <summary>The id of an added token or vocabulary entry; null for none or no such token.</summary>
    public int? TokenToId(string? token)
    {
        if (token is null)
            return null;
        if (_addedTokens.Id(token) is { } id)
            return id;
        return Files.TokenIds.TryGetValue(token, out var vocabId) ? vocabId : null;
    }

    /// <summary>Whether decode's skip_special_tokens drops the id.</summary>
    public bool IsSpecial(int id) => (uint)id < (uint)Files.Tokens.Count && Files.Specials.Contains(Files.Tokens[id]);

    /// <summary>transformers.js's <c>tokenizer(text).input_ids</c>: with <paramref name="addSpecialTokens"/>, the post-processor's tokens too (BOS for Llama 2).</summary>
    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        if (addSpecialTokens)
            ids.AddRange(_prefix);
        var index = 0;
        foreach (var (section, addedId) in _addedTokens.Split(text))
        {
            if (addedId is { } id)
                ids.Add(id);
            else
                EncodeSection(section, index, ids);
            index++;
        }
        if (addSpecialTokens)
            ids.AddRange(_suffix);
        return [.. ids];
    }

    /// <summary>transformers.js's <c>decode(ids, { skip_special_tokens })</c>.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        var decoder = CreateIncrementalDecoder(skipSpecialTokens);
        var text = new StringBuilder();
        foreach (var id in ids)
            text.Append(decoder.Add(id));
        return text.Append(decoder.Flush()).ToString();
    }

    /// <summary>A decoder for one generated sequence, fed id by id; see <see cref="IncrementalDecoder"/>.</summary>
    public abstract IncrementalDecoder CreateIncrementalDecoder(bool skipSpecialTokens = true);

    /// <summary>Appends the ids of one section of text between added tokens (its index among all sections, added tokens counted).</summary>
    private protected abstract void EncodeSection(string section, int sectionIndex, List<int> ids);

    /// <summary>
    /// The tokenizer of the model: <see cref="ByteLevelBpeTokenizer"/> when tokenizer.json's BPE is
    /// byte-level (a ByteLevel pre-tokenizer or decoder: GPT-2, Llama 3, Qwen 2, SmolLM2),
    /// <see cref="SentencePieceBpeTokenizer"/> when it is SentencePiece's (byte fallback, ▁ for spaces:
    /// Llama 2, TinyLlama, Mistral) or when there is only tokenizer.model.
    /// </summary>
    public static CausalLmTokenizer Load(ModelSnapshot snapshot)
    {
        var tokenizerJson = snapshot.ReadJson("tokenizer.json");
        try
        {
            var model = tokenizerJson?.Member("model");
            if (model is null)
            {
                if (snapshot.TryGet("tokenizer.model") is null)
                    throw new InferenceException(InferenceErrorKind.ModelNotFound,
                        $"Model '{snapshot.RepoId}' has neither tokenizer.json nor tokenizer.model.");
                return SentencePieceBpeTokenizer.Load(snapshot, tokenizerJson);
            }
            var type = model.Value.StringOrNull("type");
            if (type != "BPE")
                throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                    $"The tokenizer of '{snapshot.RepoId}' is a {type} model; causal language models here need BPE (byte-level or SentencePiece).");
            return IsByteLevel(tokenizerJson!.Value)
                ? ByteLevelBpeTokenizer.Load(snapshot, tokenizerJson.Value)
                : SentencePieceBpeTokenizer.Load(snapshot, tokenizerJson);
        }
        catch (Exception ex) when (ex is not InferenceException)
        {
            throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"The tokenizer files of '{snapshot.RepoId}' could not be read: {ex.Message}", ex);
        }
    }

    private static bool IsByteLevel(JsonElement tokenizerJson) =>
        Steps(tokenizerJson.Member("pre_tokenizer"), "pretokenizers").Concat(Steps(tokenizerJson.Member("decoder"), "decoders"))
            .Any(s => s.StringOrNull("type") == "ByteLevel");

    /// <summary>A pre-tokenizer, normalizer, decoder or post-processor as its list of steps (a Sequence's members, or itself).</summary>
    private protected static IEnumerable<JsonElement> Steps(JsonElement? step, string sequenceMember)
    {
        if (step is not { ValueKind: JsonValueKind.Object } value)
            return [];
        return value.StringOrNull("type") == "Sequence" && value.Member(sequenceMember) is { ValueKind: JsonValueKind.Array } list
            ? list.EnumerateArray().SelectMany(s => Steps(s, sequenceMember))
            : [value];
    }

    /// <summary>What every causal-LM tokenizer reads besides its model: tokens, added tokens, special tokens, BOS/EOS/pad, the template.</summary>
    private protected sealed record TokenizerFiles(
        IReadOnlyList<string> Tokens, IReadOnlyDictionary<string, int> TokenIds, List<AddedToken> Added, HashSet<string> Specials,
        int[] Prefix, int[] Suffix, string? BosToken, string? EosToken, string? PadToken, string? ChatTemplate, int? MaxLength,
        bool CleanUpSpaces)
    {
        /// <param name="vocabulary">The model's tokens by id (tokenizer.json's vocab, or tokenizer.model's pieces).</param>
        /// <param name="defaultAdded">Added tokens when neither tokenizer.json nor tokenizer_config.json lists any.</param>
        public static TokenizerFiles Read(ModelSnapshot snapshot, JsonElement? tokenizerJson, IReadOnlyDictionary<string, int> vocabulary,
            Func<List<AddedToken>> defaultAdded)
        {
            var settings = snapshot.ReadJson("tokenizer_config.json");
            var specialsMap = snapshot.ReadJson("special_tokens_map.json");
            var added = AddedTokens.Read(tokenizerJson, settings) ?? defaultAdded();

            var count = Math.Max(vocabulary.Count == 0 ? 0 : vocabulary.Values.Max() + 1, added.Count == 0 ? 0 : added.Max(t => t.Id) + 1);
            var tokens = new string[count];
            Array.Fill(tokens, "");
            foreach (var (token, id) in vocabulary)
                tokens[id] = token;
            foreach (var token in added)
                tokens[token.Id] = token.Content;
            var ids = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
            foreach (var token in added)
                ids.TryAdd(token.Content, token.Id);

            var additional = TokenizerSettings.TokenList(settings, "additional_special_tokens")
                ?? TokenizerSettings.TokenList(specialsMap, "additional_special_tokens") ?? [];
            var specials = added.Where(t => t.Special).Select(t => t.Content).Concat(additional).ToHashSet(StringComparer.Ordinal);
            string? Named(string name) => TokenizerSettings.Token(settings, specialsMap, name);
            var bos = Named("bos_token");
            var (prefix, suffix) = tokenizerJson is { } json && json.Member("post_processor") is { ValueKind: JsonValueKind.Object }
                ? Template(json, ids)
                : (settings?.BoolOrNull("add_bos_token") ?? tokenizerJson is null) && bos is not null && ids.TryGetValue(bos, out var bosId)
                    ? ([bosId], [])
                    : ((int[])[], (int[])[]);
            var maxLength = settings?.DoubleOrNull("model_max_length") is { } value and > 0 and < 1e9 ? (int)value : (int?)null;
            return new TokenizerFiles(tokens, ids, added, specials, prefix, suffix, bos, Named("eos_token"), Named("pad_token"),
                settings?.StringOrNull("chat_template"), maxLength, settings?.BoolOrNull("clean_up_tokenization_spaces") ?? false);
        }

        /// <summary>
        /// The ids the post-processor puts before and after a single text: TemplateProcessing's
        /// "single" (Llama 2: &lt;s&gt; $A), inside a Sequence or alone; ByteLevel adds none.
        /// </summary>
        private static (int[] Prefix, int[] Suffix) Template(JsonElement tokenizerJson, Dictionary<string, int> ids)
        {
            List<int> prefix = [], suffix = [];
            foreach (var step in Steps(tokenizerJson.Member("post_processor"), "processors"))
            {
                switch (step.StringOrNull("type"))
                {
                    case "ByteLevel":
                        break;
                    case "TemplateProcessing" when step.Member("single") is { ValueKind: JsonValueKind.Array } single:
                        var seenSequence = false;
                        foreach (var item in single.EnumerateArray())
                        {
                            if (item.Member("Sequence") is not null)
                            {
                                seenSequence = true;
                                continue;
                            }
                            var name = item.Member("SpecialToken")?.StringOrNull("id")
                                ?? throw new InvalidDataException("a TemplateProcessing item is neither Sequence nor SpecialToken");
                            var tokenIds = step.Member("special_tokens")?.Member(name)?.Member("ids") is { ValueKind: JsonValueKind.Array } listed
                                ? listed.EnumerateArray().Select(e => e.GetInt32())
                                : [ids[name]];
                            (seenSequence ? suffix : prefix).AddRange(tokenIds);
                        }
                        break;
                    case var other:
                        throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                            $"tokenizer.json has a post-processor this app does not implement ({other}).");
                }
            }
            return ([.. prefix], [.. suffix]);
        }
    }
}
