using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Inference.Remote.Tasks.TextToImage;

/// <summary>
/// Text-to-image at the cloud providers that serve a model, each asked in its own API's shape
/// (the providers huggingface.js 4.13 draws with, plus deepinfra). The image budget
/// (Cloud:TextToImage) replaces text's: a provider has <see cref="TextToImageCloudOptions.Total"/>,
/// the chain <see cref="TextToImageCloudOptions.CallBudget"/>.
/// </summary>
internal sealed class CloudTextToImage(HuggingFaceToken token, ProviderMapping mapping, RouterClient client, IOptions<CloudOptions> options, TimeProvider time)
    : RouterTaskBackends<TextToImageCall, GeneratedImage>(token, mapping, options, TextToImageRequest.TaskName)
{
    /// <summary>Each provider's shape; one this app does not know (a router stand-in's own) is asked in the Inference API's.</summary>
    private static readonly Dictionary<string, ImageShape> Shapes = new(StringComparer.Ordinal)
    {
        ["hf-inference"] = new HfInferenceImages(),
        ["fal-ai"] = new FalQueueImages(),
        ["replicate"] = new ReplicateImages(),
        ["together"] = OpenAIImages.Together,
        ["nscale"] = OpenAIImages.Nscale,
        ["deepinfra"] = OpenAIImages.DeepInfra,
        ["wavespeed"] = new WavespeedImages(),
        ["zai-org"] = new ZaiImages(),
    };

    private static readonly ImageShape Default = Shapes["hf-inference"];

    public override TimeSpan CallBudget => Cloud.TextToImage.CallBudget;

    public override ITaskBackend<TextToImageCall, GeneratedImage> Create(CloudProvider provider, string model) =>
        new CloudTextToImageBackend(provider, Shapes.GetValueOrDefault(provider.Name, Default), new ImageApi(client, Cloud, time), Mapping, Cloud.TextToImage.Total);
}

/// <summary>
/// One provider's image: its shape's requests (and polls) under the provider's image budget, the
/// provider's status as progress while it works, then the image as the one item.
/// </summary>
internal sealed class CloudTextToImageBackend(CloudProvider provider, ImageShape shape, ImageApi api, ProviderMapping mapping, TimeSpan budget)
    : ITaskBackend<TextToImageCall, GeneratedImage>
{
    public string Provider => provider.Name;

    public string? Device => null;

    public async IAsyncEnumerable<InferenceUpdate<GeneratedImage>> StreamAsync(TextToImageCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var image = new StrongBox<GeneratedImage>();
        await foreach (var progress in ProgressUpdates.RunAsync((report, ct) => DrawAsync(call, report, ct), image, cancellationToken).ConfigureAwait(false))
            yield return InferenceUpdate<GeneratedImage>.ForProgress(progress);
        yield return InferenceUpdate<GeneratedImage>.ForPartial(image.Value!);
    }

    private async Task<GeneratedImage> DrawAsync(TextToImageCall call, IProgress<ProgressInfo> progress, CancellationToken cancellationToken)
    {
        using var withinBudget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        withinBudget.CancelAfter(budget);
        try
        {
            var entry = await mapping.EntryAsync(call.Model, provider.Name, TextToImageRequest.TaskName, withinBudget.Token).ConfigureAwait(false);
            var job = new ImageJob(provider.Name, provider.ProviderModelId, call.Model, call, entry, progress);
            return await shape.DrawAsync(job, api, withinBudget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (withinBudget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw RouterErrors.TimedOut(provider.Name, budget);
        }
    }
}

public static class CloudTextToImageRegistration
{
    /// <summary>Text-to-image through Hugging Face Inference Providers, with the task and the router client it needs.</summary>
    public static IServiceCollection AddCloudTextToImage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHuggingFaceRouter(configuration).AddTextToImageTask(configuration);
        services.TryAddSingleton<ICloudTaskBackends<TextToImageCall, GeneratedImage>, CloudTextToImage>();
        return services;
    }
}
