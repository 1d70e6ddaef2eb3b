using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.ML.OnnxRuntime;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Tokenization;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Inference.Onnx.Tasks.TextToText;

/// <summary>
/// An encoder-decoder model (T5) on ONNX Runtime, shared by every request: the graphs and the
/// tokenizer are loaded once; each request gets its own cache (<see cref="EncoderDecoderState"/>)
/// and its own incremental decoder, so the text streams in whole words as the tokens come.
/// </summary>
internal sealed class TextToTextModel : ILocalModel
{
    private readonly EncoderDecoderGraphs _graphs;
    private readonly SentencePieceTextEncoder _tokenizer;
    private readonly EncoderDecoderBatcher? _batcher;

    private readonly int _promptLookupTokens;

    private TextToTextModel(ModelSnapshot snapshot, EncoderDecoderGraphs graphs, SentencePieceTextEncoder tokenizer, TextToTextConfig config,
        int maxBatch, int promptLookupTokens)
    {
        _promptLookupTokens = promptLookupTokens;
        // Checked at load, so that the first request does not wait for it and the Status page can say.
        Decoding = PromptLookup.Describe(promptLookupTokens, promptLookupTokens > 0 && graphs.TakesSeveralTokens(config.DecoderStartId, config.VocabSize));
        Snapshot = snapshot;
        _graphs = graphs;
        _tokenizer = tokenizer;
        Config = config;
        if (maxBatch > 1)
            _batcher = new EncoderDecoderBatcher(graphs, config.DecoderStartId, config.VocabSize, maxBatch);
    }

    /// <summary>
    /// One request's running model: a row of a batch of concurrent requests (greedy or sampled, with
    /// the cache), or a state of its own (beam search, no cache, batching off).
    /// </summary>
    private IDecoderState Open(IReadOnlyList<int> inputIds, GenerationSettings settings) =>
        _batcher is not null && settings.NumBeams == 1 && settings.UseCache
            ? _batcher.Open(inputIds)
            : new EncoderDecoderState(_graphs, inputIds, Config.DecoderStartId, Config.VocabSize, settings.UseCache);

    public ModelSnapshot Snapshot { get; }

    public TextToTextConfig Config { get; }

    public string Decoding { get; }

    /// <summary>The most input tokens the model reads; longer input is truncated.</summary>
    public int MaxInputTokens => _tokenizer.MaxLength;

    /// <summary>How many tokens the model reads of <paramref name="input"/> with the preset's prefix, before it is cut to <see cref="MaxInputTokens"/>.</summary>
    public int CountInputTokens(TaskPreset? preset, string input) => _tokenizer.CountTokens((preset?.Prefix ?? "") + input);

    /// <summary>
    /// The files to fetch: the merged decoder (Optimum's default, one graph), or with
    /// <paramref name="splitDecoder"/> the decoder and decoder_with_past pair.
    /// </summary>
    public static IReadOnlyList<ModelFile> FilesFor(LocalModelEntry entry, bool splitDecoder) =>
    [
        new("config.json"), new("generation_config.json", Required: false), .. SentencePieceTextEncoder.Files,
        new(entry.OnnxFile("encoder_model")),
        .. splitDecoder
            ? new[] { new ModelFile(entry.OnnxFile("decoder_model")), new ModelFile(entry.OnnxFile("decoder_with_past_model")) }
            : [new ModelFile(entry.OnnxFile("decoder_model_merged"))],
    ];

    /// <param name="maxBatch">The most concurrent requests that run as one batch (<see cref="OnnxRuntimeOptions.TextToTextMaxBatch"/>); 1: none.</param>
    /// <param name="promptLookupTokens">The most tokens greedy generation guesses ahead (<see cref="OnnxRuntimeOptions.PromptLookupTokens"/>); 0: none.</param>
    public static TextToTextModel Load(ModelSnapshot snapshot, LocalModelEntry entry, bool splitDecoder, OnnxSessionFactory sessions,
        int maxBatch = OnnxRuntimeOptions.DefaultTextToTextMaxBatch, int promptLookupTokens = OnnxRuntimeOptions.DefaultPromptLookupTokens)
    {
        var config = TextToTextConfig.Load(snapshot);
        var tokenizer = SentencePieceTextEncoder.Load(snapshot);
        var encoder = sessions.Create(snapshot, entry.OnnxFile("encoder_model"));
        var decoder = sessions.Create(snapshot, entry.OnnxFile(splitDecoder ? "decoder_model" : "decoder_model_merged"));
        var decoderWithPast = splitDecoder ? sessions.Create(snapshot, entry.OnnxFile("decoder_with_past_model")) : null;
        // The cache (and the encoder's output) stays on the GPU only when every graph runs there.
        InferenceSession[] all = [encoder, decoder, .. decoderWithPast is null ? Array.Empty<InferenceSession>() : [decoderWithPast]];
        var cache = all.All(s => sessions.CacheLocationFor(s).OnDevice) ? sessions.CacheLocationFor(decoder) : null;
        var graphs = new EncoderDecoderGraphs(encoder, decoder, decoderWithPast, cache);
        return new TextToTextModel(snapshot, graphs, tokenizer, config, maxBatch, promptLookupTokens);
    }

    /// <summary>
    /// Generates for one input: the preset's prefix is put before the text, and the preset's
    /// defaults apply where the request sets nothing. Greedy and sampling stream the text as
    /// words complete; beam search reports its steps as progress and sends the text at the end.
    /// </summary>
    /// <param name="maxNewTokens">The server's cap; the model's own defaults are held to it too.</param>
    public IAsyncEnumerable<InferenceUpdate<GeneratedText>> GenerateAsync(
        TaskPreset? preset, string input, GenerationParameters requested, int maxNewTokens, CancellationToken cancellationToken)
    {
        var encoded = _tokenizer.Encode((preset?.Prefix ?? "") + input);
        var settings = Settings(requested.OverModelDefaults(preset?.Defaults).OverModelDefaults(Config.Defaults), maxNewTokens) with { PromptLookupTokens = _promptLookupTokens };
        // The model runs on a pool thread, step by step; the stream hands each piece on as it comes.
        return BackgroundGeneration.StreamAsync<InferenceUpdate<GeneratedText>>(
            Snapshot.RepoId, (writer, ct) => Produce(encoded, settings, writer, ct), cancellationToken);
    }

    private void Produce(EncodedText encoded, GenerationSettings settings, ChannelWriter<InferenceUpdate<GeneratedText>> writer, CancellationToken cancellationToken)
    {
        var tokens = new GenerationTokens(Config.DecoderStartId, Config.EosIds, EncoderInput: encoded.Ids);
        var decoder = _tokenizer.CreateIncrementalDecoder();
        using var state = Open(encoded.Ids, settings);
        var first = true;
        var pending = 0; // tokens whose text the decoder still holds back (an unfinished word)

        void Send(string text, int count)
        {
            writer.TryWrite(InferenceUpdate<GeneratedText>.ForPartial(first
                ? new GeneratedText(text, count, encoded.Ids.Length, encoded.Truncated)
                : new GeneratedText(text, count)));
            first = false;
        }

        foreach (var step in TokenGenerator.Generate(state, settings, tokens, cancellationToken))
        {
            if (step.Final is { } final)
            {
                var text = string.Concat(final.Select(decoder.Add)) + decoder.Flush();
                Send(text, final.Count);
                return;
            }
            if (step.Token is { } token)
            {
                pending++;
                var text = decoder.Add(token);
                if (text.Length > 0)
                {
                    Send(text, pending);
                    pending = 0;
                }
                continue;
            }
            writer.TryWrite(InferenceUpdate<GeneratedText>.ForProgress(new ProgressInfo("beam-search",
                $"Searching {settings.NumBeams} beams: step {step.Step} of at most {settings.MaxNewTokens}…", (double)step.Step / settings.MaxNewTokens)));
        }
        var rest = decoder.Flush();
        if (rest.Length > 0 || pending > 0 || first)
            Send(rest, pending);
    }

    /// <summary>
    /// For benchmarks and checks: tokenizes <paramref name="input"/> as it is (no preset) and
    /// generates its ids with <paramref name="settings"/> on the request path's engine, timing the
    /// encoder and the whole run (tokenizing included).
    /// </summary>
    internal GenerationRun GenerateIds(string input, GenerationSettings settings, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var encoded = _tokenizer.Encode(input);
        using var state = Open(encoded.Ids, settings);
        var ids = new List<int>();
        var guessed = 0;
        foreach (var step in TokenGenerator.Generate(state, settings, new GenerationTokens(Config.DecoderStartId, Config.EosIds, EncoderInput: encoded.Ids), cancellationToken))
        {
            if (step.Final is { } final)
                ids = [.. final];
            else if (step.Token is { } token)
                ids.Add(token);
            guessed += step.Guessed ? 1 : 0;
        }
        var encoderTime = state switch
        {
            EncoderDecoderState own => own.EncoderTime,
            EncoderDecoderBatcher.Request batched => batched.EncoderTime,
            _ => TimeSpan.Zero,
        };
        return new GenerationRun(encoded.Ids.Length, ids, encoderTime, Stopwatch.GetElapsedTime(started), guessed);
    }

    /// <summary>The engine's settings from HF parameters: for an encoder-decoder, max_length and min_length count the start token.</summary>
    internal static GenerationSettings Settings(GenerationParameters p, int maxNewTokens)
    {
        var max = p.MaxNewTokens ?? (p.MaxLength - 1) ?? 256;
        var min = p.MinNewTokens ?? (p.MinLength - 1) ?? 0;
        var defaults = new GenerationSettings();
        return new GenerationSettings
        {
            MaxNewTokens = Math.Clamp(max, 1, maxNewTokens),
            MinNewTokens = Math.Clamp(min, 0, Math.Clamp(max, 1, maxNewTokens)),
            DoSample = p.DoSample ?? false,
            Temperature = p.Temperature ?? defaults.Temperature,
            TopK = p.TopK ?? defaults.TopK,
            TopP = p.TopP ?? defaults.TopP,
            RepetitionPenalty = p.RepetitionPenalty ?? defaults.RepetitionPenalty,
            NoRepeatNgramSize = p.NoRepeatNgramSize ?? 0,
            NumBeams = p.NumBeams ?? 1,
            LengthPenalty = p.LengthPenalty ?? defaults.LengthPenalty,
            EarlyStopping = p.EarlyStopping ?? false,
            Seed = p.Seed,
        };
    }

    public void Dispose()
    {
        _graphs.Encoder.Dispose();
        _graphs.Decoder.Dispose();
        _graphs.DecoderWithPast?.Dispose();
    }
}

/// <summary>What <see cref="TextToTextModel.GenerateIds"/> did: input length, the new ids, the encoder's time and the whole run's, and how many ids were guesses the model confirmed (<see cref="PromptLookup"/>).</summary>
internal sealed record GenerationRun(int InputTokens, IReadOnlyList<int> Ids, TimeSpan EncoderTime, TimeSpan Total, int GuessedTokens);
