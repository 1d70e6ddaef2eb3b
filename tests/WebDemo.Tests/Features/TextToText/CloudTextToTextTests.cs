using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.Summarization;
using WebDemo.Inference.Tasks.Translation;
using WebDemo.TestSupport;

namespace WebDemo.Tests.Features.TextToText;

/// <summary>
/// Two apps against one fake router: <see cref="WithLocal"/> has the tiny T5 as the local model at
/// the end of every chain; <see cref="CloudOnly"/> has no local text-to-text model, so what the
/// providers answer is all there is. The cloud models are served by hf-inference, then prov-b.
/// </summary>
public sealed class CloudTextToTextFixture : IAsyncLifetime
{
    public const string Summarizer = "org/summarizer";
    public const string Translator = "org/translator";
    public const string Token = "hf_text_to_text_token";

    public FakeRouter Router { get; private set; } = null!;
    public LoopbackHub Hub { get; private set; } = null!;
    public KestrelApp WithLocal { get; private set; } = null!;
    public KestrelApp CloudOnly { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Router = await FakeRouter.StartAsync();
        Router.Mapping[Summarizer] = ["hf-inference", "prov-b"];
        Router.Tasks[Summarizer] = "summarization";
        Router.Mapping[Translator] = ["hf-inference", "prov-b"];
        Router.Tasks[Translator] = "translation";
        Hub = await LoopbackHub.StartAsync();
        WithLocal = KestrelApp.Start((settings, home) => Cloud(settings.Hub(Hub.Url, Path.Combine(home, "hub")).LocalT5()));
        // The app's own settings put a local T5 in entries 1 and 2: here they repeat the sentiment model, so no local model summarizes or translates.
        CloudOnly = KestrelApp.Start(settings => Cloud(settings.LocalModel(TestPaths.SentimentRepoId, index: 1).LocalModel(TestPaths.SentimentRepoId, index: 2)));
    }

    private TestSettings Cloud(TestSettings settings) => settings
        .Router(Router.Url)
        .Token(Token)
        .Set("Summarization:CloudModel", Summarizer)
        .Set("Translation:CloudModel", Translator)
        .Set("Cloud:Retry:MaxRetries", "2")
        // Tests break providers one after another: the breaker has tests of its own and must not open here.
        .Set("Cloud:CircuitBreaker:MinimumThroughput", "1000");

    public async Task DisposeAsync()
    {
        await WithLocal.DisposeAsync();
        await CloudOnly.DisposeAsync();
        await Hub.DisposeAsync();
        await Router.DisposeAsync();
    }
}

/// <summary>
/// Summarization and translation through the router chain: the body is the Inference Providers one
/// that @huggingface/inference 4.13.30 sends for these tasks on hf-inference
/// (<c>POST {router}/hf-inference/models/{id}</c> with <c>{"inputs", "parameters"}</c>), the
/// answers are parsed, failures fail over and end at the local model, and bad answers are errors in words.
/// </summary>
public sealed class CloudTextToTextTests(CloudTextToTextFixture fixture) : IClassFixture<CloudTextToTextFixture>, IDisposable
{
    private FakeRouter Router => fixture.Router;

    public void Dispose()
    {
        Router.Heal("hf-inference");
        Router.Heal("prov-b");
        Router.Requests.Clear();
    }

    private static async Task<HttpResponseMessage> PostAsync(KestrelApp app, string path, string body)
    {
        using var client = app.CreateClient();
        return await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
    }

    private static async Task<(List<InferenceUpdate<GeneratedText>> Updates, InferenceException? Error)> RunAsync<TRequest>(KestrelApp app, TRequest request)
        where TRequest : ITaskRequest
    {
        var task = app.Services.GetRequiredService<IInferenceTask<TRequest, GeneratedText>>();
        var updates = new List<InferenceUpdate<GeneratedText>>();
        try
        {
            await foreach (var update in task.RunAsync(request))
                updates.Add(update);
            return (updates, null);
        }
        catch (InferenceException ex)
        {
            return (updates, ex);
        }
    }

    private static string Text(List<InferenceUpdate<GeneratedText>> updates) =>
        string.Concat(updates.Where(u => u.Kind == UpdateKind.Partial).Select(u => u.Partial!.Text));

    /// <summary>The JSON members of an object, recursively, in a form that compares regardless of order.</summary>
    private static SortedDictionary<string, string> Members(JsonElement element)
    {
        var members = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var (name, value) in Members(property.Value))
                    members[property.Name + "." + name] = value;
            }
            else
            {
                members[property.Name] = property.Value.GetRawText();
            }
        }
        return members;
    }

    [Fact]
    public async Task Summarization_posts_inputs_and_flat_hf_parameters_to_the_hf_inference_model_route_and_reads_summary_text()
    {
        var response = await PostAsync(fixture.CloudOnly, "/hf-inference/models/" + CloudTextToTextFixture.Summarizer,
            """{"inputs": "The tower is 324 metres tall, the tallest structure in Paris.", "parameters": {"generate_parameters": {"max_new_tokens": 40, "num_beams": 2}, "min_length": 5}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Summary: The tower is 324 met", answer.RootElement[0].GetProperty("summary_text").GetString());
        Assert.Equal("hf-inference", response.Headers.GetValues("x-inference-provider").Single());

        var sent = Assert.Single(Router.Requests);
        Assert.Equal(("hf-inference", CloudTextToTextFixture.Summarizer, "Bearer " + CloudTextToTextFixture.Token), (sent.Provider, sent.Model, sent.Authorization));
        using var body = JsonDocument.Parse(sent.Body);
        Assert.Equal(new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["inputs"] = "\"The tower is 324 metres tall, the tallest structure in Paris.\"",
            ["parameters.max_new_tokens"] = "40",
            ["parameters.min_length"] = "5",
            ["parameters.num_beams"] = "2",
        }, Members(body.RootElement));
    }

    [Fact]
    public async Task Translation_sends_the_language_pair_and_reads_translation_text()
    {
        var (updates, error) = await RunAsync(fixture.CloudOnly, new TranslationRequest("Where is the station?", "en", "fr",
            new GenerationParameters { MaxNewTokens = 30, DoSample = true, Temperature = 0.7, Seed = 42 }, Provider: "hf-inference"));

        Assert.Null(error);
        Assert.Equal("Bonjour: Where is the station?", Text(updates));
        var final = updates[^1];
        Assert.Equal(UpdateKind.Final, final.Kind);
        Assert.Equal(("hf-inference", CloudTextToTextFixture.Translator), (final.Provenance!.Provider, final.Provenance.Model));
        using var body = JsonDocument.Parse(Assert.Single(Router.Requests).Body);
        Assert.Equal(new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["inputs"] = "\"Where is the station?\"",
            ["parameters.do_sample"] = "true",
            ["parameters.max_new_tokens"] = "30",
            ["parameters.src_lang"] = "\"en\"",
            ["parameters.temperature"] = "0.7",
            ["parameters.tgt_lang"] = "\"fr\"",
        }, Members(body.RootElement)); // no seed: transformers' generate() would refuse it
    }

    [Fact]
    public async Task A_request_without_parameters_sends_inputs_alone()
    {
        var (_, error) = await RunAsync(fixture.CloudOnly, new SummarizationRequest("Short text.", Provider: "auto"));

        Assert.Null(error);
        Assert.Equal("""{"inputs":"Short text."}""", Assert.Single(Router.Requests).Body);
    }

    [Fact]
    public async Task A_failing_provider_fails_over_to_the_next()
    {
        Router.Break("hf-inference", new Fault.Status(500));

        var (updates, error) = await RunAsync(fixture.CloudOnly, new SummarizationRequest("A text to shorten.", Provider: "auto"));

        Assert.Null(error);
        Assert.Equal("Summary: A text to shorten.", Text(updates));
        var provenance = updates[^1].Provenance!;
        Assert.Equal("prov-b", provenance.Provider);
        Assert.Equal([("hf-inference", "failed", (int?)500), ("prov-b", "ok", null)],
            provenance.Attempts.Select(a => (a.Provider, a.Outcome, a.Status)));
        Assert.Equal(3, Router.CountFor("hf-inference")); // the first try and two retries
    }

    [Fact]
    public async Task When_every_provider_fails_the_local_t5_answers_and_the_failures_are_listed()
    {
        Router.Break("hf-inference", new Fault.Status(503));
        Router.Break("prov-b", new Fault.WrongShape());

        var (updates, error) = await RunAsync(fixture.WithLocal, new TranslationRequest("The house is wonderful.", "en", "de",
            new GenerationParameters { MaxNewTokens = 20, NumBeams = 1, NoRepeatNgramSize = 0, MinLength = 0 }, Provider: "auto"));

        Assert.Null(error);
        Assert.Equal(TinyT5Reference.GreedyText("translate_de"), Text(updates));
        var provenance = updates[^1].Provenance!;
        Assert.Equal(("local", TestPaths.T5RepoId), (provenance.Provider, provenance.Model));
        Assert.Equal(["hf-inference", "prov-b", "local"], provenance.Attempts.Select(a => a.Provider));
        Assert.Equal(["failed", "failed", "ok"], provenance.Attempts.Select(a => a.Outcome));
        Assert.Equal(503, provenance.Attempts[0].Status);
        Assert.Contains("not a translation result", provenance.Attempts[1].Error);
        Assert.Contains(updates, u => u.Kind == UpdateKind.Progress && u.Progress!.Message.Contains("trying the next provider", StringComparison.Ordinal));
    }

    public static TheoryData<string, Fault, string> BadAnswers => new()
    {
        { "malformed JSON", new Fault.MalformedJson(), "answered malformed JSON" },
        { "an object without summary_text", new Fault.WrongShape(), "expected [{\"summary_text\": \"...\"}]" },
        { "an empty list", new Fault.Status(200, "[]"), "not a summarization result" },
        { "summary_text that is not a string", new Fault.Status(200, """[{"summary_text": 7}]"""), "not a summarization result" },
    };

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public async Task A_bad_answer_everywhere_is_an_error_in_words_not_a_result(string what, Fault fault, string expected)
    {
        Router.Break("hf-inference", fault);
        Router.Break("prov-b", fault);

        var response = await PostAsync(fixture.CloudOnly, "/models/" + CloudTextToTextFixture.Summarizer, """{"inputs": "Some text."}""");

        Assert.True(response.StatusCode == HttpStatusCode.BadGateway, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(expected, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, Router.CountFor("hf-inference")); // a bad answer is not retried…
        Assert.Equal(1, Router.CountFor("prov-b"));       // …but the next provider is asked
    }

    [Theory]
    [InlineData(400, HttpStatusCode.UnprocessableEntity, "hf-inference refused the input (HTTP 400): inputs too long")]
    [InlineData(422, HttpStatusCode.UnprocessableEntity, "hf-inference refused the input (HTTP 422)")]
    public async Task A_4xx_that_another_try_cannot_fix_is_passed_on_in_words_without_failover(int status, HttpStatusCode expected, string message)
    {
        Router.Break("hf-inference", new Fault.Status(status, """{"error": "inputs too long"}"""));

        var response = await PostAsync(fixture.WithLocal, "/models/" + CloudTextToTextFixture.Translator,
            """{"inputs": "Hello.", "parameters": {"src_lang": "en", "tgt_lang": "fr"}}""");

        Assert.Equal(expected, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, Router.CountFor("hf-inference"));
        Assert.Equal(0, Router.CountFor("prov-b"));
    }

    [Fact]
    public async Task A_rejected_token_skips_the_other_providers_but_the_local_model_still_answers()
    {
        Router.Break("hf-inference", new Fault.Status(401, """{"error": "Invalid credentials"}"""));

        var response = await PostAsync(fixture.WithLocal, "/models/" + CloudTextToTextFixture.Translator,
            """{"inputs": "Hello.", "parameters": {"src_lang": "en", "tgt_lang": "fr"}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, Router.CountFor("hf-inference"));
        Assert.Equal(0, Router.CountFor("prov-b"));
    }
}
