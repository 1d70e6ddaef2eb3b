using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Remote.Tasks.TextToImage;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextToImage;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Remote.Tests.Tasks.TextToImage;

/// <summary>The real text-to-image task with the real cloud backends, against <see cref="FakeImageProviders"/>, with a stub local pipeline last.</summary>
public sealed class ImageHarness : IAsyncDisposable
{
    public const string Model = "org/model";
    public const string LoraModel = "org/lora";
    public const string Token = "hf_image_token_1234";

    private readonly ServiceProvider _services;

    public FakeImageProviders Fake { get; }
    internal IInferenceTask<TextToImageRequest, GeneratedImage> Service { get; }
    internal RouterClient Client => _services.GetRequiredService<RouterClient>();
    public LocalPipeline Local { get; } = new();

    private ImageHarness(FakeImageProviders fake, IDictionary<string, string?>? settings)
    {
        Fake = fake;
        _services = new TestSettings()
            .Router(fake.Url)
            .Token(Token)
            .Set(new Dictionary<string, string?>
            {
                ["Cloud:SingleResponse:Attempt"] = "00:00:05",
                ["Cloud:SingleResponse:Total"] = "00:00:20",
                ["Cloud:Retry:MaxRetries"] = "2",
                ["Cloud:Retry:MaxRetryAfter"] = "00:00:02",
                ["Cloud:TextToImage:Total"] = "00:00:20",
                ["Cloud:TextToImage:CallBudget"] = "00:00:40",
                ["Cloud:TextToImage:PollInterval"] = "00:00:00.020",
                ["TextToImage:CloudModel"] = Model,
                ["TextToImage:CloudModels:0"] = LoraModel,
            })
            .Set(settings ?? new Dictionary<string, string?>())
            .Services((services, configuration) =>
            {
                services.AddSingleton<ILocalTaskBackend<TextToImageCall, GeneratedImage>>(Local);
                services.AddCloudTextToImage(configuration);
            });
        Service = _services.GetRequiredService<IInferenceTask<TextToImageRequest, GeneratedImage>>();
    }

    public static async Task<ImageHarness> StartAsync(IDictionary<string, string?>? settings = null) =>
        new(await FakeImageProviders.StartAsync(), settings);

    public sealed record Outcome(List<InferenceUpdate<GeneratedImage>> Updates, InferenceException? Error)
    {
        public GeneratedImage? Image => Updates.LastOrDefault(u => u.Kind == UpdateKind.Partial)?.Partial;
        public Provenance? Provenance => Updates.LastOrDefault(u => u.Kind == UpdateKind.Final)?.Provenance;
        public List<string> Progress => Updates.Where(u => u.Kind == UpdateKind.Progress).Select(u => u.Progress!.Message).ToList();
    }

    public static readonly TextToImageParameters AllParameters = new()
    {
        NegativePrompt = "blurry", Width = 512, Height = 768, NumInferenceSteps = 4, GuidanceScale = 3.5, Seed = 7, Scheduler = "EulerDiscreteScheduler",
    };

    public async Task<Outcome> RunAsync(string provider = "auto", TextToImageParameters? parameters = null, string model = Model, bool failover = false,
        CancellationToken cancellationToken = default)
    {
        var updates = new List<InferenceUpdate<GeneratedImage>>();
        try
        {
            await foreach (var update in Service.RunAsync(new TextToImageRequest("a lighthouse at dusk", parameters, model, provider, failover), cancellationToken))
                updates.Add(update);
            return new Outcome(updates, null);
        }
        catch (InferenceException ex)
        {
            return new Outcome(updates, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Fake.DisposeAsync();
    }

    /// <summary>The local pipeline at the end of every chain: a 1×1 PNG.</summary>
    public sealed class LocalPipeline : ILocalTaskBackend<TextToImageCall, GeneratedImage>
    {
        public int Calls;
        public string Provider => "local";
        public string? Device => "CPU";
        public IReadOnlyCollection<string> Models => ["local/tiny-sd"];

        public async IAsyncEnumerable<InferenceUpdate<GeneratedImage>> StreamAsync(TextToImageCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            await Task.Yield();
            yield return InferenceUpdate<GeneratedImage>.ForPartial(new GeneratedImage(FakeImageProviders.Png, "image/png", 1, 1, Seed: 1));
        }
    }
}
