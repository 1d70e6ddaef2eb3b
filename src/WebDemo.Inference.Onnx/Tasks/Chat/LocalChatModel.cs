using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.ChatTemplates;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Tokenization;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Inference.Onnx.Tasks.Chat;

/// <summary>A conversation as the model will read it: the prompt ids, and how many of the oldest messages had to be left out to fit.</summary>
internal sealed record ChatPrompt(int[] Ids, int LeftOut, int MaxNewTokens);

/// <summary>
/// A decoder-only chat model (Llama, Qwen, SmolLM…) on ONNX Runtime, shared by every request: the
/// graph, the tokenizer and the model's own Jinja chat template are loaded once; each request gets
/// its own key/value cache (<see cref="DecoderOnlyState"/>). A conversation is rendered with the
/// template (as transformers.js's apply_chat_template), tokenized without added special tokens,
/// and generated on the engine summarization uses (<see cref="TokenGenerator"/>).
/// </summary>
internal sealed class LocalChatModel : ILocalModel
{
    /// <summary>New tokens when the request sets no limit (more can be asked for, up to the context).</summary>
    public const int DefaultMaxNewTokens = 1024;

    /// <summary>Room for the answer kept free when older messages must be left out, at most half the context.</summary>
    private const int AnswerRoom = 256;

    private readonly DecoderOnlyGraph _graph;
    private readonly CausalLmTokenizer _tokenizer;
    private readonly ChatTemplate _template;
    private readonly IReadOnlySet<int> _eosIds;
    private readonly DecodeBatcher? _batcher;

    private readonly int _promptLookupTokens;

    private LocalChatModel(ModelSnapshot snapshot, DecoderOnlyGraph graph, CausalLmTokenizer tokenizer, ChatTemplate template, CausalLmConfig config,
        int maxBatch, int promptLookupTokens)
    {
        _promptLookupTokens = promptLookupTokens;
        // Checked at load, so that the first request does not wait for it and the Status page can say.
        Decoding = PromptLookup.Describe(promptLookupTokens, promptLookupTokens > 0 && graph.TakesSeveralTokens(config.VocabSize));
        Snapshot = snapshot;
        _graph = graph;
        _tokenizer = tokenizer;
        _template = template;
        Config = config;
        // generation_config's end ids, and the tokenizer's eos (a chat template ends turns with it).
        var eos = new HashSet<int>(config.EosIds);
        if (tokenizer.EndOfSentenceId is { } id)
            eos.Add(id);
        _eosIds = eos;
        ContextLength = config.ContextLength ?? tokenizer.MaxLength ?? 2048;
        // Batching pads the caches, which only a graph with an attention mask can be told about.
        if (maxBatch > 1 && graph.TakesAttentionMask)
            _batcher = new DecodeBatcher(graph, config.VocabSize, maxBatch);
    }

    public ModelSnapshot Snapshot { get; }

    public string Id => Snapshot.RepoId;

    public string Decoding { get; }

    public CausalLmConfig Config { get; }

    /// <summary>The most positions (prompt and answer) the model reads.</summary>
    public int ContextLength { get; }

    public CausalLmTokenizer Tokenizer => _tokenizer;

    public static IReadOnlyList<ModelFile> FilesFor(LocalModelEntry entry) =>
    [
        new("config.json"), new("generation_config.json", Required: false), new("chat_template.jinja", Required: false),
        .. CausalLmTokenizer.RepositoryFiles,
        new(entry.OnnxFile()),
        // Exports over 2 GB keep their weights beside the graph.
        new(entry.OnnxFile() + "_data", Required: false),
    ];

    /// <param name="maxBatch">The most concurrent requests whose decode steps run as one (<see cref="OnnxRuntimeOptions.ChatMaxBatch"/>); 1: none.</param>
    /// <param name="promptLookupTokens">The most tokens greedy answers guess ahead (<see cref="OnnxRuntimeOptions.PromptLookupTokens"/>); 0: none.</param>
    public static LocalChatModel Load(ModelSnapshot snapshot, LocalModelEntry entry, OnnxSessionFactory sessions,
        int maxBatch = OnnxRuntimeOptions.DefaultChatMaxBatch, int promptLookupTokens = OnnxRuntimeOptions.DefaultPromptLookupTokens)
    {
        var config = CausalLmConfig.Load(snapshot);
        var tokenizer = CausalLmTokenizer.Load(snapshot);
        ChatTemplate template;
        try
        {
            template = ChatTemplate.Load(snapshot.Directory) ?? throw new InferenceException(InferenceErrorKind.ModelUnavailable,
                $"'{snapshot.RepoId}' has no chat template (tokenizer_config.json's chat_template, or chat_template.jinja): it is not a chat model.");
        }
        catch (ChatTemplateException ex)
        {
            throw new InferenceException(InferenceErrorKind.ModelUnavailable, $"The chat template of '{snapshot.RepoId}' cannot be read: {ex.Message}", ex);
        }
        var session = sessions.Create(snapshot, entry.OnnxFile());
        var graph = new DecoderOnlyGraph(session, sessions.CacheLocationFor(session));
        return new LocalChatModel(snapshot, graph, tokenizer, template, config, maxBatch, promptLookupTokens);
    }

    /// <summary>
    /// The conversation as prompt ids. When it does not fit the context with room for an answer,
    /// the oldest messages after the system prompt are left out (whole turns, so it still starts
    /// with a user message), and <see cref="ChatPrompt.LeftOut"/> says how many. A last message
    /// that alone does not fit is refused in words.
    /// </summary>
    public ChatPrompt BuildPrompt(IReadOnlyList<ChatMessage> messages, int? maxNewTokens)
    {
        var converted = messages.Select(ToTemplateMessage).ToList();
        var system = converted.TakeWhile(m => m.Role == "system").ToList();
        var turns = converted.Skip(system.Count).ToList();
        var room = Math.Min(maxNewTokens ?? AnswerRoom, ContextLength / 2);
        var leftOut = 0;
        while (true)
        {
            var ids = Encode([.. system, .. turns.Skip(leftOut)]);
            if (ids.Length + room <= ContextLength || leftOut >= turns.Count - 1)
            {
                if (ids.Length >= ContextLength)
                    throw new InferenceException(InferenceErrorKind.InvalidInput, leftOut == 0 && turns.Count <= 1
                        ? $"The message is {ids.Length:N0} tokens; {Id} reads at most {ContextLength:N0}, its answer included. Shorten it."
                        : $"The system prompt and the last message are {ids.Length:N0} tokens; {Id} reads at most {ContextLength:N0}, its answer included. Shorten them.");
                var available = ContextLength - ids.Length;
                return new ChatPrompt(ids, leftOut, Math.Min(maxNewTokens ?? DefaultMaxNewTokens, available));
            }
            // Leave out the oldest message, then up to the next user message.
            leftOut++;
            while (leftOut < turns.Count - 1 && turns[leftOut].Role != "user")
                leftOut++;
        }
    }

    private int[] Encode(IReadOnlyList<ChatTemplateMessage> messages)
    {
        string text;
        try
        {
            text = _template.Render(messages, addGenerationPrompt: true);
        }
        catch (ChatTemplateException ex)
        {
            // Templates raise for conversations their model was not trained on (roles that do not alternate, a system message it lacks).
            throw new InferenceException(InferenceErrorKind.InvalidInput, $"{Id}'s chat template refused this conversation: {ex.Message}", ex);
        }
        // apply_chat_template tokenizes the rendered text without adding special tokens: the template wrote them.
        return _tokenizer.Encode(text, addSpecialTokens: false);
    }

    private ChatTemplateMessage ToTemplateMessage(ChatMessage message)
    {
        foreach (var content in message.Contents)
        {
            if (content is not TextContent)
                throw new InferenceException(InferenceErrorKind.InvalidInput,
                    $"{Id} runs here and reads text only: a {content.GetType().Name.Replace("Content", "", StringComparison.Ordinal).ToLowerInvariant()} part cannot be sent to it.");
        }
        var role = message.Role.Value;
        if (role is not ("system" or "user" or "assistant"))
            throw new InferenceException(InferenceErrorKind.InvalidInput, $"{Id} runs here and takes system, user and assistant messages, not '{role}'.");
        return new ChatTemplateMessage(role, message.Text);
    }

    /// <summary>
    /// Streams the answer: text as whole words are decoded (nothing of a stop sequence), then an
    /// update with the finish reason ("stop" or "length") and the tokens in and out. When older
    /// messages were left out, the first update says so (<see cref="ChatClientBackend.NoticeProperty"/>).
    /// </summary>
    public IAsyncEnumerable<ChatResponseUpdate> GenerateAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        if (options?.Tools is { Count: > 0 })
            throw new InferenceException(InferenceErrorKind.InvalidInput, $"{Id} runs here without tool calling: send the request without tools.");
        var prompt = BuildPrompt(messages, options?.MaxOutputTokens);
        var settings = Settings(options, prompt.MaxNewTokens);
        var responseId = "chatcmpl-" + Guid.NewGuid().ToString("N");
        return BackgroundGeneration.StreamAsync<ChatResponseUpdate>(Id,
            (writer, ct) => Produce(prompt, settings, options?.StopSequences ?? [], responseId, writer, ct), cancellationToken);
    }

    private void Produce(ChatPrompt prompt, GenerationSettings settings, IList<string> stopSequences, string responseId,
        ChannelWriter<ChatResponseUpdate> writer, CancellationToken cancellationToken)
    {
        var created = DateTimeOffset.UtcNow;
        ChatResponseUpdate Update(string text) => new(ChatRole.Assistant, text)
        {
            ResponseId = responseId, MessageId = responseId, ModelId = Id, CreatedAt = created,
        };

        if (prompt.LeftOut > 0)
        {
            var notice = Update("");
            notice.AdditionalProperties = new() { [ChatClientBackend.NoticeProperty] =
                $"The conversation is longer than {Id} can read ({ContextLength:N0} tokens): the oldest {prompt.LeftOut} message{(prompt.LeftOut == 1 ? " was" : "s were")} left out." };
            writer.TryWrite(notice);
        }

        var decoder = _tokenizer.CreateIncrementalDecoder();
        var stops = new StopSequences([.. stopSequences]);
        using var state = NewState(prompt.Ids, settings);
        var generated = 0;
        foreach (var step in TokenGenerator.Generate(state, settings, new GenerationTokens(0, _eosIds, prompt.Ids), cancellationToken))
        {
            generated++;
            var text = stops.Add(decoder.Add(step.Token!.Value));
            if (text.Length > 0)
                writer.TryWrite(Update(text));
            if (stops.Stopped)
                break;
        }
        // Fewer tokens than allowed: the model ended its turn (its end token counts as one of its tokens).
        var ended = stops.Stopped || generated < settings.MaxNewTokens;
        if (!stops.Stopped)
        {
            var rest = stops.Add(decoder.Flush()) + stops.Flush();
            if (rest.Length > 0)
                writer.TryWrite(Update(rest));
        }
        var last = Update("");
        last.FinishReason = ended ? ChatFinishReason.Stop : ChatFinishReason.Length;
        var outputTokens = generated + (ended && !stops.Stopped ? 1 : 0);
        last.Contents.Add(new UsageContent(new UsageDetails
        {
            InputTokenCount = prompt.Ids.Length, OutputTokenCount = outputTokens, TotalTokenCount = prompt.Ids.Length + outputTokens,
        }));
        writer.TryWrite(last);
    }

    /// <summary>One request's decoder: a sequence of the batched decode steps, or its own state (no batching, no cache, or beams).</summary>
    private IDecoderState NewState(IReadOnlyList<int> promptIds, GenerationSettings settings) =>
        _batcher is not null && settings.UseCache && settings.NumBeams == 1
            ? _batcher.Open(promptIds)
            : new DecoderOnlyState(_graph, promptIds, Config.VocabSize, settings.UseCache);

    /// <summary>For checks: the batcher's states that hold caches (0 when no request runs).</summary>
    internal int HeldBatchStates => _batcher?.HeldStates ?? 0;

    /// <summary>
    /// The engine's settings from OpenAI's parameters over the model's generation_config: temperature 0
    /// is greedy, a positive one samples; with neither temperature nor top_p/top_k the model's own
    /// defaults decide (greedy when it sets none, as transformers does).
    /// </summary>
    internal GenerationSettings Settings(ChatOptions? options, int maxNewTokens)
    {
        var defaults = Config.Defaults;
        var engine = new GenerationSettings();
        var sample = options?.Temperature is { } t ? t > 0
            : options?.TopP is not null || options?.TopK is not null || defaults.DoSample == true;
        return new GenerationSettings
        {
            MaxNewTokens = Math.Max(1, maxNewTokens),
            DoSample = sample,
            Temperature = options?.Temperature is > 0 and var temperature ? temperature : defaults.Temperature ?? engine.Temperature,
            TopK = options?.TopK ?? defaults.TopK ?? engine.TopK,
            TopP = options?.TopP ?? defaults.TopP ?? engine.TopP,
            RepetitionPenalty = defaults.RepetitionPenalty ?? engine.RepetitionPenalty,
            PresencePenalty = options?.PresencePenalty ?? 0,
            FrequencyPenalty = options?.FrequencyPenalty ?? 0,
            Seed = options?.Seed is { } seed ? unchecked((int)seed) : null,
            PromptLookupTokens = _promptLookupTokens,
        };
    }

    /// <summary>
    /// For checks and benchmarks: generates from <paramref name="promptIds"/> as they are on the request
    /// path's engine; the new ids (without the end token), the prompt's time and the whole run's.
    /// </summary>
    internal ChatGenerationRun GenerateIds(IReadOnlyList<int> promptIds, GenerationSettings settings, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        using var state = NewState(promptIds, settings);
        var ids = new List<int>();
        var firstToken = TimeSpan.Zero;
        var guessed = 0;
        foreach (var step in TokenGenerator.Generate(state, settings, new GenerationTokens(0, _eosIds, promptIds), cancellationToken))
        {
            if (ids.Count == 0)
                firstToken = Stopwatch.GetElapsedTime(started);
            ids.Add(step.Token!.Value);
            guessed += step.Guessed ? 1 : 0;
        }
        return new ChatGenerationRun(ids, ids.Count < settings.MaxNewTokens, firstToken, Stopwatch.GetElapsedTime(started), guessed);
    }

    public void Dispose() => _graph.Session.Dispose();
}

/// <summary>What <see cref="LocalChatModel.GenerateIds"/> did: the new ids, whether an end token ended them, the time to the first and to the end.</summary>
internal sealed record ChatGenerationRun(IReadOnlyList<int> Ids, bool EndedAtEos, TimeSpan FirstToken, TimeSpan Total, int GuessedTokens);
