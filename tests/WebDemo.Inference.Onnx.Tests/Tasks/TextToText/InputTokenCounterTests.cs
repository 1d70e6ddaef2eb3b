using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Onnx.Tasks.TextToText;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.Summarization;
using WebDemo.Inference.Tasks.Translation;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Tasks.TextToText;

/// <summary>
/// The input token counter of the local text-to-text models: the tiny T5's own tokenizer with the
/// task's prefix, counted as transformers.js counts (tests/models/t5-tiny-random/reference.json),
/// against the model's 512 (tokenizer_config's model_max_length) — and never a download to count.
/// </summary>
public sealed class InputTokenCounterTests : IAsyncLifetime
{
    private readonly TempDirectory _cache = new();
    private LoopbackHub _hub = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _hub = await LoopbackHub.StartAsync();
        _services = new TestSettings().Hub(_hub.Url, _cache.Path).LocalT5()
            .Services((services, configuration) => services.AddLocalTextToText(configuration));
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _hub.DisposeAsync();
        _cache.Dispose();
    }

    private IInputTokenCounter<SummarizationCall> Summaries => _services.GetRequiredService<IInputTokenCounter<SummarizationCall>>();

    private IInputTokenCounter<TranslationCall> Translations => _services.GetRequiredService<IInputTokenCounter<TranslationCall>>();

    /// <summary>Loads the tiny T5 the way a first request does.</summary>
    private async Task LoadAsync()
    {
        var task = _services.GetRequiredService<IInferenceTask<SummarizationRequest, GeneratedText>>();
        var updates = new List<InferenceUpdate<GeneratedText>>();
        await foreach (var update in task.RunAsync(new SummarizationRequest("Hi.", new GenerationParameters { MaxNewTokens = 1 }, TestPaths.T5RepoId, "local")))
            updates.Add(update);
        Assert.Equal(UpdateKind.Final, updates[^1].Kind);
    }

    private static string Text(string reference, string prefix)
    {
        var text = TinyT5Reference.InputText(reference);
        Assert.StartsWith(prefix, text, StringComparison.Ordinal);
        return text[prefix.Length..];
    }

    [Fact]
    public void Before_the_model_is_loaded_there_is_no_count_and_nothing_is_downloaded()
    {
        Assert.Null(Summaries.TryCount(new SummarizationCall(TestPaths.T5RepoId, "Some text.", new())));
        Assert.Null(Translations.TryCount(new TranslationCall(TestPaths.T5RepoId, "Some text.", "en", "de", new())));

        Assert.Empty(_hub.Requests);
        Assert.False(Directory.Exists(Path.Combine(_cache.Path, "models--webdemo--t5-tiny-random")));
    }

    [Fact]
    public async Task Once_loaded_it_counts_as_transformers_js_with_the_task_prefix_against_512()
    {
        await LoadAsync();
        var requestsAfterLoad = _hub.Requests.Count;

        var summary = Summaries.TryCount(new SummarizationCall(TestPaths.T5RepoId, Text("summarize_short", "summarize: "), new()));
        var german = Translations.TryCount(new TranslationCall(TestPaths.T5RepoId, Text("translate_de", "translate English to German: "), "en", "de", new()));
        var long_ = Summaries.TryCount(new SummarizationCall(TestPaths.T5RepoId, Text("long_truncated", "summarize: "), new()));

        Assert.Equal(new InputTokenCount(TinyT5Reference.InputTokenCount("summarize_short"), 512), summary);
        Assert.Equal(new InputTokenCount(TinyT5Reference.InputTokenCount("translate_de"), 512), german);
        Assert.Equal(new InputTokenCount(TinyT5Reference.InputTokenCount("long_truncated"), 512), long_);
        Assert.True(long_!.OverLimit);
        Assert.False(summary!.OverLimit);
        Assert.Equal(requestsAfterLoad, _hub.Requests.Count); // counting fetched nothing
    }

    [Theory]
    [InlineData("en", "fr", "Where is the train station?")]
    [InlineData("en", "ro", "Thank you very much for your help!")]
    [InlineData(null, null, "The house is wonderful.")]
    public async Task The_count_is_what_the_model_reads_when_it_translates(string? source, string? target, string text)
    {
        await LoadAsync();
        var task = _services.GetRequiredService<IInferenceTask<TranslationRequest, GeneratedText>>();
        int? read = null;
        await foreach (var update in task.RunAsync(new TranslationRequest(text, source, target, new GenerationParameters { MaxNewTokens = 1 }, TestPaths.T5RepoId, "local")))
            read ??= update.Partial?.InputTokens;

        var count = Translations.TryCount(new TranslationCall(TestPaths.T5RepoId, text, source, target, new()));

        Assert.Equal(read, count?.Tokens);
    }

    [Fact]
    public async Task A_model_that_is_not_local_or_a_pair_the_model_lacks_has_no_count()
    {
        await LoadAsync();

        Assert.Null(Summaries.TryCount(new SummarizationCall("org/cloud-only", "Some text.", new())));
        Assert.Null(Translations.TryCount(new TranslationCall(TestPaths.T5RepoId, "Some text.", "en", "es", new())));
    }
}
