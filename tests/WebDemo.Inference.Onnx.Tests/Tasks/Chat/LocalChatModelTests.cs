using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Generation;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Tasks.Chat;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Tasks.Chat;

/// <summary>
/// The local chat model on the repository's tiny random Llama (grouped-query attention, ChatML),
/// against transformers.js on the same files: greedy ids with and without the key/value cache,
/// the first step's logits, the chat template's ids, and the pipeline's answers; then what the
/// chat path adds: streaming, stop sequences, context trimming, sampling, refusals.
/// </summary>
public sealed class LocalChatModelTests(LocalChatModelTests.TinyLlama fixture) : IClassFixture<LocalChatModelTests.TinyLlama>
{
    /// <summary>The tiny Llama loaded once, as the loader loads a downloaded snapshot.</summary>
    public sealed class TinyLlama : IDisposable
    {
        internal LocalChatModel Model { get; } = Load(new LocalModelEntry { Id = TestPaths.LlamaRepoId, Task = LocalChatBackend.Task });

        internal static LocalChatModel Load(LocalModelEntry entry, string? dir = null)
        {
            dir ??= TestPaths.TinyLlamaModelDir;
            var files = LocalChatModel.FilesFor(entry)
                .Where(f => File.Exists(Path.Combine(dir, f.Path)))
                .ToDictionary(f => f.Path, f => Path.Combine(dir, f.Path));
            var sessions = new OnnxSessionFactory(Options.Create(new OnnxRuntimeOptions { ExecutionProvider = "cpu" }), NullLogger<OnnxSessionFactory>.Instance);
            return LocalChatModel.Load(new ModelSnapshot(entry.Id, null, dir, files), entry, sessions);
        }

        public void Dispose() => Model.Dispose();
    }

    private LocalChatModel Model => fixture.Model;

    private static GenerationSettings Greedy(bool useCache = true) => new() { MaxNewTokens = 20, UseCache = useCache };

    private static List<ChatMessage> Messages(IEnumerable<TinyLlamaReference.Message> messages) =>
        messages.Select(m => new ChatMessage(new ChatRole(m.Role), m.Content)).ToList();

    private static async Task<List<ChatResponseUpdate>> StreamAsync(LocalChatModel model, IReadOnlyList<ChatMessage> messages, ChatOptions? options = null)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in model.GenerateAsync(messages, options, CancellationToken.None))
            updates.Add(update);
        return updates;
    }

    private static string TextOf(IEnumerable<ChatResponseUpdate> updates) => string.Concat(updates.Select(u => u.Text));

    [Theory]
    [MemberData(nameof(TinyLlamaReference.GenerationNames), MemberType = typeof(TinyLlamaReference))]
    public void Greedy_ids_equal_transformers_js(string name)
    {
        var expected = TinyLlamaReference.Generations.Single(g => g.Name == name);

        var run = Model.GenerateIds(expected.InputIds, Greedy());

        Assert.Equal(expected.NewIds, run.Ids.Concat(run.EndedAtEos ? [2] : Array.Empty<int>()).ToArray());
        Assert.Equal(expected.EndedAtEos, run.EndedAtEos);
    }

    /// <summary>Prompt lookup (guesses from the prompt and the answer so far, checked several tokens a run): the same ids.</summary>
    [Theory]
    [MemberData(nameof(TinyLlamaReference.GenerationNames), MemberType = typeof(TinyLlamaReference))]
    public void Guessing_ahead_keeps_transformers_js_ids(string name)
    {
        var expected = TinyLlamaReference.Generations.Single(g => g.Name == name);

        var run = Model.GenerateIds(expected.InputIds, Greedy() with { PromptLookupTokens = 8 });

        Assert.Equal(expected.NewIds, run.Ids.Concat(run.EndedAtEos ? [2] : Array.Empty<int>()).ToArray());
    }

    [Fact]
    public async Task Guesses_are_checked_for_a_lone_chat_and_concurrent_chats_still_batch_with_the_same_ids()
    {
        var prompts = TinyLlamaReference.Generations.Select(g => g.InputIds).ToList();
        var settings = Greedy() with { PromptLookupTokens = 8 };
        var alone = prompts.Select(p => Model.GenerateIds(p, settings)).ToList();

        var together = await Task.WhenAll(prompts.Take(4).Select(p => Task.Run(() => Model.GenerateIds(p, settings).Ids)));

        Assert.True(alone.Sum(r => r.GuessedTokens) > 0, "no guess was confirmed");
        Assert.Equal(alone.Take(4).Select(r => r.Ids), together);
        Assert.Equal(0, Model.HeldBatchStates);
    }

    [Theory]
    [MemberData(nameof(TinyLlamaReference.GenerationNames), MemberType = typeof(TinyLlamaReference))]
    public void Without_the_cache_the_ids_are_the_same(string name)
    {
        var prompt = TinyLlamaReference.Generations.Single(g => g.Name == name).InputIds;

        Assert.Equal(Model.GenerateIds(prompt, Greedy()).Ids, Model.GenerateIds(prompt, Greedy(useCache: false)).Ids);
    }

    [Fact]
    public async Task Concurrent_chats_take_turns_and_give_the_ids_of_one_at_a_time()
    {
        var prompts = TinyLlamaReference.Generations.Take(4).Select(g => g.InputIds).ToList();
        var alone = prompts.Select(p => Model.GenerateIds(p, Greedy()).Ids).ToList();

        var together = await Task.WhenAll(prompts.Select(p => Task.Run(() => Model.GenerateIds(p, Greedy()).Ids)));

        Assert.Equal(alone, together);
    }

    [Fact]
    public async Task Concurrent_streamed_chats_answer_as_alone_when_one_reader_leaves_and_their_caches_are_released()
    {
        // Seeded sampling, so that each of the four conversations answers at some length.
        var chats = TinyLlamaReference.Templates.Select((t, i) => (Messages: Messages(t.Messages), Options: new ChatOptions { MaxOutputTokens = 24, Temperature = 1.5f, Seed = i })).ToList();
        var alone = new List<string>();
        foreach (var (messages, options) in chats)
            alone.Add(TextOf(await StreamAsync(Model, messages, options)));

        var together = await Task.WhenAll(chats.Select((chat, i) => Task.Run(async () =>
        {
            if (i > 0)
                return TextOf(await StreamAsync(Model, chat.Messages, chat.Options));
            var pieces = new List<ChatResponseUpdate>();
            await foreach (var update in Model.GenerateAsync(chat.Messages, chat.Options, CancellationToken.None))
            {
                pieces.Add(update);
                if (pieces.Count(u => u.Text.Length > 0) == 2)
                    break; // this reader leaves; the others go on
            }
            return TextOf(pieces);
        })));

        Assert.StartsWith(together[0], alone[0], StringComparison.Ordinal);
        Assert.Equal(alone.Skip(1), together.Skip(1));
        Assert.Equal(0, Model.HeldBatchStates);
    }

    [Fact]
    public void The_prompt_step_gives_transformers_js_logits()
    {
        var first = TinyLlamaReference.First;
        var graph = new DecoderOnlyGraph(new Microsoft.ML.OnnxRuntime.InferenceSession(Path.Combine(TestPaths.TinyLlamaModelDir, "onnx", "model.onnx")));
        using var state = new DecoderOnlyState(graph, first.InputIds, Model.Config.VocabSize);

        var logits = state.Start(rows: 1);

        var top = logits.Select((score, id) => (score, id)).OrderByDescending(p => p.score).Take(5).ToList();
        Assert.Equal(first.Top5.Ids, top.Select(p => p.id));
        for (var i = 0; i < 5; i++)
            Assert.Equal(first.Top5.Logits[i], top[i].score, 1e-3f);
        // Grouped-query attention: the cache has 2 key/value heads for the 4 attention heads.
        Assert.Equal((2, 16), (graph.KeyValueHeads, graph.HeadSize));
        graph.Session.Dispose();
    }

    [Theory]
    [MemberData(nameof(TinyLlamaReference.TemplateNames), MemberType = typeof(TinyLlamaReference))]
    public void A_conversation_becomes_apply_chat_template_ids(string name)
    {
        var expected = TinyLlamaReference.Templates.Single(t => t.Name == name);

        var prompt = Model.BuildPrompt(Messages(expected.Messages), maxNewTokens: 20);

        Assert.Equal(expected.Ids, prompt.Ids);
        Assert.Equal(0, prompt.LeftOut);
    }

    [Theory]
    [MemberData(nameof(TinyLlamaReference.PipelineIndexes), MemberType = typeof(TinyLlamaReference))]
    public async Task The_streamed_answer_is_the_text_generation_pipelines(int index)
    {
        var expected = TinyLlamaReference.Pipelines[index];

        var updates = await StreamAsync(Model, Messages(expected.Messages),
            new ChatOptions { MaxOutputTokens = expected.Params.MaxNewTokens, Temperature = 0 });

        Assert.Equal(expected.Output[0].GeneratedText[^1].Content, TextOf(updates));
        var last = updates[^1];
        var usage = Assert.Single(last.Contents.OfType<UsageContent>()).Details;
        var prompt = Model.BuildPrompt(Messages(expected.Messages), expected.Params.MaxNewTokens).Ids;
        Assert.Equal(prompt.Length, usage.InputTokenCount);
        var run = Model.GenerateIds(prompt, Greedy());
        Assert.Equal(run.Ids.Count + (run.EndedAtEos ? 1 : 0), usage.OutputTokenCount);
        Assert.Equal(run.EndedAtEos ? ChatFinishReason.Stop : ChatFinishReason.Length, last.FinishReason);
    }

    [Fact]
    public async Task The_text_streams_in_several_pieces_that_add_up_to_the_decoded_ids()
    {
        var generation = TinyLlamaReference.Generations.Single(g => g.Name == "chat_system_user");
        var template = TinyLlamaReference.Templates.Single(t => t.Name == "system_user");

        var updates = await StreamAsync(Model, Messages(template.Messages), new ChatOptions { MaxOutputTokens = 20, Temperature = 0 });

        Assert.True(updates.Count(u => u.Text.Length > 0) > 3, "the answer should arrive word by word");
        Assert.Equal(generation.Decoded, TextOf(updates));
        Assert.Equal(ChatFinishReason.Length, updates[^1].FinishReason);
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_answer_before_it()
    {
        var template = TinyLlamaReference.Templates.Single(t => t.Name == "system_user");
        var full = TinyLlamaReference.Generations.Single(g => g.Name == "chat_system_user").Decoded;
        var stop = full.Substring(full.Length / 2, 3);

        var updates = await StreamAsync(Model, Messages(template.Messages),
            new ChatOptions { MaxOutputTokens = 20, Temperature = 0, StopSequences = [stop] });

        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], TextOf(updates));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
    }

    [Fact]
    public async Task Sampling_with_a_seed_repeats_and_differs_from_greedy()
    {
        var messages = new List<ChatMessage> { new(ChatRole.User, "Tell me a story.") };
        var sampled = new ChatOptions { MaxOutputTokens = 20, Temperature = 1.5f, Seed = 7 };

        var first = TextOf(await StreamAsync(Model, messages, sampled));
        var again = TextOf(await StreamAsync(Model, messages, sampled));
        var greedy = TextOf(await StreamAsync(Model, messages, new ChatOptions { MaxOutputTokens = 20, Temperature = 0 }));

        Assert.Equal(first, again);
        Assert.NotEqual(greedy, first);
    }

    [Fact]
    public async Task A_conversation_longer_than_the_context_loses_its_oldest_turns_with_a_notice()
    {
        var messages = new List<ChatMessage> { new(ChatRole.System, "Be brief.") };
        for (var turn = 0; turn < 40; turn++)
        {
            messages.Add(new ChatMessage(ChatRole.User, $"Question {turn}: what did the farmer sell, and why did the children move?"));
            messages.Add(new ChatMessage(ChatRole.Assistant, $"Answer {turn}: a small house, because they moved to London."));
        }
        messages.Add(new ChatMessage(ChatRole.User, "The last question."));

        var prompt = Model.BuildPrompt(messages, maxNewTokens: 20);
        var updates = await StreamAsync(Model, messages, new ChatOptions { MaxOutputTokens = 20, Temperature = 0 });

        Assert.Equal(512, Model.ContextLength);
        Assert.InRange(prompt.Ids.Length, 1, 512 - 20);
        Assert.True(prompt.LeftOut > 0);
        var text = Model.Tokenizer.Decode(prompt.Ids, skipSpecialTokens: false);
        Assert.StartsWith("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nQuestion", text, StringComparison.Ordinal);
        Assert.EndsWith("<|im_start|>user\nThe last question.<|im_end|>\n<|im_start|>assistant\n", text, StringComparison.Ordinal);
        var notice = updates[0].AdditionalProperties?["notice"] as string;
        Assert.Contains($"the oldest {prompt.LeftOut} messages were left out", notice, StringComparison.Ordinal);
        Assert.NotNull(updates[^1].FinishReason);
    }

    [Fact]
    public void A_message_that_alone_overflows_the_context_is_refused_in_words()
    {
        var huge = string.Join(' ', Enumerable.Repeat("farmer", 2000));

        var error = Assert.Throws<InferenceException>(() => Model.BuildPrompt([new ChatMessage(ChatRole.User, huge)], maxNewTokens: null));

        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        Assert.Contains("reads at most 512", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tools_images_and_tool_messages_are_refused_by_name()
    {
        var user = new ChatMessage(ChatRole.User, "Hi");
        var tools = new ChatOptions { Tools = [AIFunctionFactory.CreateDeclaration("get_weather", null, System.Text.Json.JsonDocument.Parse("{}").RootElement)] };

        var toolError = Assert.Throws<InferenceException>(() => Model.GenerateAsync([user], tools, CancellationToken.None));
        var imageError = Assert.Throws<InferenceException>(() => Model.BuildPrompt(
            [new ChatMessage(ChatRole.User, [new TextContent("What is this?"), new DataContent(new byte[] { 1, 2, 3 }, "image/png")])], null));
        var roleError = Assert.Throws<InferenceException>(() => Model.BuildPrompt([user, new ChatMessage(ChatRole.Tool, "42")], null));

        Assert.Contains("without tool calling", toolError.Message, StringComparison.Ordinal);
        Assert.Contains("reads text only", imageError.Message, StringComparison.Ordinal);
        Assert.Contains("not 'tool'", roleError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_request_generates_nothing()
    {
        using var stop = new CancellationTokenSource();
        await stop.CancelAsync();
        var pieces = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in Model.GenerateAsync([new ChatMessage(ChatRole.User, "Hello")], new ChatOptions { MaxOutputTokens = 400 }, stop.Token))
                pieces++;
        });

        Assert.Equal(0, pieces);
    }

    [Fact]
    public async Task A_reader_that_leaves_early_ends_the_generation_with_it()
    {
        var pieces = 0;
        var messages = Messages(TinyLlamaReference.Templates.Single(t => t.Name == "system_user").Messages);
        await foreach (var update in Model.GenerateAsync(messages, new ChatOptions { MaxOutputTokens = 20, Temperature = 0 }, CancellationToken.None))
        {
            if (update.Text.Length > 0 && ++pieces == 2)
                break; // disposing the stream cancels the loop and waits for it
        }

        Assert.Equal(2, pieces);
    }

    [Fact]
    public void A_model_without_a_chat_template_is_refused_when_loaded()
    {
        using var temp = new TempDirectory();
        foreach (var file in Directory.EnumerateFiles(TestPaths.TinyLlamaModelDir))
            File.Copy(file, Path.Combine(temp.Path, Path.GetFileName(file)));
        Directory.CreateDirectory(Path.Combine(temp.Path, "onnx"));
        File.Copy(Path.Combine(TestPaths.TinyLlamaModelDir, "onnx", "model.onnx"), Path.Combine(temp.Path, "onnx", "model.onnx"));
        var config = File.ReadAllText(Path.Combine(temp.Path, "tokenizer_config.json"));
        var json = System.Text.Json.Nodes.JsonNode.Parse(config)!.AsObject();
        json.Remove("chat_template");
        File.WriteAllText(Path.Combine(temp.Path, "tokenizer_config.json"), json.ToJsonString());

        var error = Assert.Throws<InferenceException>(() => TinyLlama.Load(new LocalModelEntry { Id = "no-template", Task = LocalChatBackend.Task }, temp.Path));

        Assert.Contains("has no chat template", error.Message, StringComparison.Ordinal);
    }
}
