using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Catalogue;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.Inference.Tasks.TextToImage;
using WebDemo.Inference.Usage;

namespace WebDemo.Inference.Tests.Usage;

/// <summary>Usage accounting through the tasks themselves: one record per call that reached its chain, and the daily cloud budget.</summary>
public class UsageMeteringTests
{
    private const string LocalModel = "org/local";
    private const string CloudModel = "org/cloud";

    private sealed class Recorder : IUsageRecorder
    {
        public List<UsageRecord> Records { get; } = [];

        public void Record(UsageRecord record)
        {
            lock (Records)
                Records.Add(record);
        }
    }

    private sealed class ThrowingRecorder : IUsageRecorder
    {
        public void Record(UsageRecord record) => throw new InvalidOperationException("the store is broken");
    }

    /// <summary>prov-a sells <see cref="CloudModel"/> at $0.50 per million input tokens and $2 per million output tokens.</summary>
    private sealed class PriceList : IModelCatalogue
    {
        public CatalogueSnapshot Cached { get; } = new(
            new Dictionary<string, IReadOnlyList<ProviderOffer>>
            {
                [CloudModel] = [new ProviderOffer("prov-a", "live", 8192, 0.5m, 2m, null, null)],
            },
            DateTimeOffset.UnixEpoch, null);

        public Task<CatalogueSnapshot> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(Cached);
    }

    /// <summary>A catalogue with no prices until it is read, answered when the test says the router answers.</summary>
    private sealed class UnreadCatalogue : IModelCatalogue
    {
        private readonly TaskCompletionSource<CatalogueSnapshot> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource ReadAsked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CatalogueSnapshot Cached { get; private set; } = new(new Dictionary<string, IReadOnlyList<ProviderOffer>>(), null, null);

        public Task<CatalogueSnapshot> ReadAsync(CancellationToken cancellationToken)
        {
            ReadAsked.TrySetResult();
            return _answer.Task;
        }

        public void RouterAnswers()
        {
            Cached = new PriceList().Cached;
            _answer.TrySetResult(Cached);
        }
    }

    private sealed class Budget : ICloudBudget
    {
        public string? Refusal { get; set; }
    }

    /// <summary>A classifier that counts <paramref name="tokens"/> per text; it fails, or waits to be cancelled, when told.</summary>
    private class Classifier(string provider, int tokens) : ITaskBackend<TextClassificationCall, ClassifiedText>
    {
        public string Provider => provider;
        public string? Device => null;
        public InferenceException? Fails { get; set; }
        public bool Hangs { get; set; }
        public int Calls { get; private set; }

        /// <summary>Awaited before the first result: what happens elsewhere while the call runs.</summary>
        public Func<Task>? WhileRunning { get; set; }

        public async IAsyncEnumerable<InferenceUpdate<ClassifiedText>> StreamAsync(
            TextClassificationCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Calls++;
            await Task.Yield();
            if (Fails is { } error)
                throw error;
            if (WhileRunning is { } elsewhere)
                await elsewhere();
            for (var i = 0; i < call.Inputs.Count; i++)
            {
                yield return InferenceUpdate<ClassifiedText>.ForPartial(new ClassifiedText(i, call.Inputs[i], [new LabelScore("POSITIVE", 1)], false, tokens));
                if (Hangs)
                    await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }
    }

    private sealed class LocalClassifier() : Classifier(ProviderNames.Local, 3), ILocalTaskBackend<TextClassificationCall, ClassifiedText>
    {
        public IReadOnlyCollection<string> Models => [LocalModel];
    }

    /// <summary>One cloud provider, prov-a, serving every model, and the operator's own server srv-a.</summary>
    private sealed class Cloud : ICloudTaskBackends<TextClassificationCall, ClassifiedText>
    {
        public Classifier ProvA { get; } = new("prov-a", 1_000);
        public Classifier SrvA { get; } = new("srv-a", 10);
        public string? UnavailableReason => null;
        public Task<IReadOnlyList<CloudProvider>> ProvidersAsync(string model, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<CloudProvider>>([new CloudProvider("prov-a", model)]);
        public bool IsKnownProvider(string provider) => provider is "prov-a" or "srv-a";
        public bool IsOperatorServer(string provider) => provider == "srv-a";
        public ITaskBackend<TextClassificationCall, ClassifiedText> Create(CloudProvider provider, string model) =>
            provider.Name == "srv-a" ? SrvA : ProvA;
        public CloudProvider? RouterChoice(string model) => null;
        public TimeSpan CallBudget => TimeSpan.FromMinutes(1);
    }

    private sealed class Setup
    {
        public Recorder Recorder { get; } = new();
        public Budget Budget { get; } = new();
        public LocalClassifier Local { get; } = new();
        public Cloud Cloud { get; } = new();
        public TextClassificationTask Task { get; }

        public Setup(bool withLocal = true, IUsageRecorder? first = null, IModelCatalogue? catalogue = null)
        {
            var options = Options.Create(new TextClassificationOptions { CloudModel = CloudModel, MaxInputs = 8 });
            var metering = new UsageMetering(first is null ? [Recorder] : [first, Recorder], catalogue ?? new PriceList(), budget: Budget);
            Task = new TextClassificationTask(withLocal ? [Local] : [], options, Cloud, usage: metering);
        }

        public UsageRecord Single => Assert.Single(Recorder.Records);
    }

    private static TextClassificationRequest Texts(int count, string? model = null, string? provider = null) =>
        new(Enumerable.Range(1, count).Select(i => $"text {i}").ToList(), model, Provider: provider);

    [Fact]
    public async Task A_cloud_call_is_recorded_once_with_its_caller_tokens_and_estimated_cost()
    {
        var setup = new Setup();

        IAsyncEnumerable<InferenceUpdate<ClassifiedText>> updates;
        using (UsageContext.Enter(UsageContext.Api, "browser-1"))
            updates = setup.Task.RunAsync(Texts(2, CloudModel, "prov-a"));
        await updates.ToListAsync();

        var record = setup.Single;
        Assert.Equal((UsageContext.Api, "browser-1", "text-classification"), (record.Surface, record.BrowserId, record.Task));
        Assert.Equal(("prov-a", CloudModel, UsageOutcome.Ok, (string?)null), (record.Provider, record.Model, record.Outcome, record.ErrorKind));
        Assert.Equal((2_000, 0, 0), (record.TokensIn, record.TokensOut, record.Images));
        Assert.Equal(0.001m, record.EstimatedCostUsd); // 2,000 tokens at $0.50 per million
        Assert.True(record.IsCloud);
        Assert.True(record.DurationMs >= 0);
    }

    [Fact]
    public async Task The_first_cloud_call_after_start_asks_for_prices_as_it_starts_and_is_priced_when_they_come_before_it_ends()
    {
        var catalogue = new UnreadCatalogue();
        var setup = new Setup(catalogue: catalogue);
        setup.Cloud.ProvA.WhileRunning = async () =>
        {
            await catalogue.ReadAsked.Task.WaitAsync(TimeSpan.FromSeconds(30));
            catalogue.RouterAnswers();
        };

        await setup.Task.RunAsync(Texts(2, CloudModel, "prov-a")).ToListAsync();

        Assert.Equal(UsageOutcome.Ok, setup.Single.Outcome);
        Assert.Equal(0.001m, setup.Single.EstimatedCostUsd);
    }

    [Fact]
    public async Task A_local_call_costs_nothing_and_is_not_cloud_and_a_call_outside_any_surface_says_so()
    {
        var setup = new Setup();

        await setup.Task.RunAsync(Texts(1)).ToListAsync();

        var record = setup.Single;
        Assert.Equal((ProviderNames.Local, LocalModel, 3, UsageOutcome.Ok), (record.Provider, record.Model, record.TokensIn, record.Outcome));
        Assert.Equal(0m, record.EstimatedCostUsd);
        Assert.False(record.IsCloud);
        Assert.Equal(("other", (string?)null), (record.Surface, record.BrowserId));
    }

    [Fact]
    public async Task A_model_without_a_listed_price_has_no_cost_rather_than_zero()
    {
        var setup = new Setup(catalogue: new NoModelCatalogue());

        await setup.Task.RunAsync(Texts(1, CloudModel, "prov-a")).ToListAsync();

        Assert.Null(setup.Single.EstimatedCostUsd);
        Assert.True(setup.Single.IsCloud);
    }

    [Fact]
    public async Task A_failed_call_is_recorded_with_the_provider_last_tried_and_the_error_kind()
    {
        var setup = new Setup();
        setup.Cloud.ProvA.Fails = new InferenceException(InferenceErrorKind.ModelUnavailable, "down");

        await Assert.ThrowsAsync<InferenceException>(() => setup.Task.RunAsync(Texts(1, CloudModel, "prov-a")).ToListAsync().AsTask());

        var record = setup.Single;
        Assert.Equal(("prov-a", UsageOutcome.Failed, "ModelUnavailable"), (record.Provider, record.Outcome, record.ErrorKind));
        Assert.Equal(0, record.TokensIn);
    }

    [Fact]
    public async Task A_cancelled_call_and_a_call_whose_reader_left_are_recorded_as_cancelled_with_what_was_used()
    {
        var setup = new Setup();
        setup.Local.Hangs = true;
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in setup.Task.RunAsync(Texts(2), cts.Token))
                if (update.Kind == UpdateKind.Partial)
                    await cts.CancelAsync();
        });
        setup.Local.Hangs = false;
        await foreach (var update in setup.Task.RunAsync(Texts(2)))
            if (update.Kind == UpdateKind.Partial)
                break;

        Assert.Equal(2, setup.Recorder.Records.Count);
        Assert.All(setup.Recorder.Records, r => Assert.Equal((UsageOutcome.Cancelled, 3), (r.Outcome, r.TokensIn)));
    }

    [Fact]
    public async Task A_call_refused_before_it_starts_is_not_usage_and_a_broken_recorder_never_fails_a_call()
    {
        var setup = new Setup(first: new ThrowingRecorder());

        Assert.Throws<InferenceException>(() => setup.Task.RunAsync(Texts(0)));
        var updates = await setup.Task.RunAsync(Texts(1)).ToListAsync();

        Assert.Equal(UpdateKind.Final, updates[^1].Kind);
        Assert.Equal(UsageOutcome.Ok, setup.Single.Outcome); // the recorder after the broken one still got it
    }

    [Fact]
    public async Task With_the_budget_spent_auto_falls_to_the_local_model_and_says_why()
    {
        var setup = new Setup();
        setup.Budget.Refusal = "Today's cloud budget of this app is spent (10 of 10 tokens); local models still work.";

        var updates = await setup.Task.RunAsync(Texts(1, LocalModel, ProviderNames.Auto)).ToListAsync();

        Assert.Equal(0, setup.Cloud.ProvA.Calls);
        Assert.Equal(ProviderNames.Local, updates[^1].Provenance!.Provider);
        Assert.Contains(updates, u => u.Progress?.Stage == "budget" && u.Progress.Message.Contains("budget of this app is spent", StringComparison.Ordinal));
        Assert.False(setup.Single.IsCloud);
    }

    [Fact]
    public async Task With_the_budget_spent_a_named_cloud_provider_is_refused_in_words_and_local_still_works()
    {
        var setup = new Setup();
        setup.Budget.Refusal = "Today's cloud budget of this app is spent (10 of 10 tokens); local models still work.";

        var error = Assert.Throws<InferenceException>(() => setup.Task.RunAsync(Texts(1, CloudModel, "prov-a")));
        var local = await setup.Task.RunAsync(Texts(1, LocalModel, ProviderNames.Local)).ToListAsync();

        Assert.Equal(InferenceErrorKind.PaymentRequired, error.Kind);
        Assert.Equal(setup.Budget.Refusal, error.Message);
        Assert.Equal(0, setup.Cloud.ProvA.Calls);
        Assert.Equal(ProviderNames.Local, local[^1].Provenance!.Provider);
    }

    [Fact]
    public async Task The_operators_own_server_is_neither_cloud_nor_stopped_by_the_budget()
    {
        var setup = new Setup();
        setup.Budget.Refusal = "spent";

        await setup.Task.RunAsync(Texts(1, CloudModel, "srv-a")).ToListAsync();

        Assert.Equal(1, setup.Cloud.SrvA.Calls);
        var record = setup.Single;
        Assert.Equal(("srv-a", 10, false), (record.Provider, record.TokensIn, record.IsCloud));
        Assert.Null(record.EstimatedCostUsd); // no price is known for it
    }

    [Fact]
    public void With_the_budget_spent_auto_without_a_local_model_is_refused()
    {
        var setup = new Setup(withLocal: false);
        setup.Budget.Refusal = "spent";

        var error = Assert.Throws<InferenceException>(() => setup.Task.RunAsync(Texts(1, CloudModel, ProviderNames.Auto)));

        Assert.Equal(InferenceErrorKind.PaymentRequired, error.Kind);
        Assert.Equal(0, setup.Cloud.ProvA.Calls);
    }

    [Fact]
    public void Costs_price_tokens_in_and_out_and_are_unknown_where_a_price_or_a_token_count_is_missing()
    {
        var metering = new UsageMetering([], new PriceList());

        Assert.Equal(0.0045m, metering.EstimateCost("prov-a", CloudModel, 1_000, 2_000, isLocal: false, isCloud: true)); // 0.0005 + 0.004
        Assert.Equal(0m, metering.EstimateCost(ProviderNames.Local, LocalModel, 1_000, 2_000, isLocal: true, isCloud: false));
        Assert.Null(metering.EstimateCost("prov-b", CloudModel, 1_000, 0, isLocal: false, isCloud: true)); // prov-b lists no price
        Assert.Null(metering.EstimateCost("prov-a", CloudModel, 0, 0, isLocal: false, isCloud: true)); // nothing counted (an image)
        Assert.Null(metering.EstimateCost("srv-a", CloudModel, 1_000, 0, isLocal: false, isCloud: false)); // an operator's own server
    }

    private sealed class ImageBackend : ILocalTaskBackend<TextToImageCall, GeneratedImage>
    {
        public string Provider => ProviderNames.Local;
        public string? Device => "CPU";
        public IReadOnlyCollection<string> Models => ["org/sd"];

        public async IAsyncEnumerable<InferenceUpdate<GeneratedImage>> StreamAsync(
            TextToImageCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return InferenceUpdate<GeneratedImage>.ForPartial(new GeneratedImage([1], "image/png", 64, 64, 7, 4, IsPreview: true, Step: 2));
            yield return InferenceUpdate<GeneratedImage>.ForPartial(new GeneratedImage([1, 2], "image/png", 64, 64, 7, 4));
        }
    }

    [Fact]
    public async Task An_image_call_records_its_image_and_steps_but_not_its_previews()
    {
        var recorder = new Recorder();
        var task = new TextToImageTask([new ImageBackend()], Options.Create(new TextToImageOptions()),
            usage: new UsageMetering([recorder], new NoModelCatalogue()));

        using (UsageContext.Enter(UsageContext.Page, "browser-2"))
            await task.RunAsync(new TextToImageRequest("a fox")).ToListAsync();

        var record = Assert.Single(recorder.Records);
        Assert.Equal((1, (int?)4, "text-to-image", UsageContext.Page), (record.Images, record.Steps, record.Task, record.Surface));
        Assert.Equal((0, 0), (record.TokensIn, record.TokensOut));
    }
}
