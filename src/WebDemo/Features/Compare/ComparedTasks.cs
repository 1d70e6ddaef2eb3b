using System.Diagnostics;
using Microsoft.Extensions.AI;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Chat;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.Summarization;
using WebDemo.Inference.Tasks.TextClassification;
using WebDemo.Inference.Tasks.TextToImage;

namespace WebDemo.Features.Compare;

/// <summary>A task the Compare page can measure: how to ask it for one target, and what a first result is.</summary>
internal abstract class ComparedTask
{
    /// <summary>The key in the page's choice and in saved settings: "chat", "summarization", "sentiment", "image".</summary>
    public abstract string Key { get; }

    public abstract string Title { get; }

    public abstract IInferenceTask Service { get; }

    /// <summary>The task's examples (its page's), which a comparison may cycle through instead of one prompt.</summary>
    public abstract IReadOnlyList<string> Examples { get; }

    /// <summary>The prompt the page starts with.</summary>
    public string DefaultPrompt => Examples[0];

    /// <summary>The prompt of run <paramref name="sequence"/> (1, 2, …): the settings' own, or the examples in turn.</summary>
    public string PromptFor(CompareSettings settings, int sequence) =>
        settings.UseExamples ? Examples[(sequence - 1) % Examples.Count] : settings.Prompt;

    /// <summary>Whether "auto" takes the router's policies (":fastest", ":cheapest").</summary>
    public virtual bool HasPolicies => false;

    /// <summary>Whether the task generates tokens (so tokens per second means something).</summary>
    public virtual bool CountsTokens => false;

    /// <summary>
    /// One call for <paramref name="target"/>: the time of its first output and its provenance.
    /// Throws what the task throws (an <see cref="WebDemo.Inference.Errors.InferenceException"/> for a failure).
    /// </summary>
    public abstract Task<(double? FirstResultMs, Provenance Provenance)> RunAsync(
        CompareTarget target, CompareSettings settings, string prompt, CancellationToken cancellationToken);

    /// <summary>Reads a task's stream to its end: when its first output came, and its provenance.</summary>
    protected static async Task<(double? FirstResultMs, Provenance Provenance)> MeasureAsync<TItem>(
        IAsyncEnumerable<InferenceUpdate<TItem>> stream, Stopwatch clock, CancellationToken cancellationToken)
    {
        double? first = null;
        Provenance? provenance = null;
        await foreach (var update in stream.WithCancellation(cancellationToken))
        {
            if (update.Kind == UpdateKind.Partial)
                first ??= clock.Elapsed.TotalMilliseconds;
            else if (update.Kind == UpdateKind.Final)
                provenance = update.Provenance;
        }
        return (first, provenance ?? throw new InvalidOperationException("The task's stream ended without its final update."));
    }
}

/// <summary>A task measured through its typed contract, the one the task's own page uses.</summary>
internal sealed class ComparedTask<TRequest, TItem>(
    string key, string title, IReadOnlyList<string> examples, IInferenceTask<TRequest, TItem> task,
    Func<CompareTarget, CompareSettings, string, TRequest> request, bool countsTokens = false, bool hasPolicies = false) : ComparedTask
    where TRequest : ITaskRequest
{
    public override string Key => key;
    public override string Title => title;
    public override IInferenceTask Service => task;
    public override IReadOnlyList<string> Examples => examples;
    public override bool HasPolicies => hasPolicies;
    public override bool CountsTokens => countsTokens;

    public override Task<(double? FirstResultMs, Provenance Provenance)> RunAsync(
        CompareTarget target, CompareSettings settings, string prompt, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // A named provider is measured as it is, never replaced: Failover stays off ("auto" always fails over).
        return MeasureAsync(task.RunAsync(request(target, settings, prompt), cancellationToken), clock, cancellationToken);
    }
}

/// <summary>The tasks the Compare page offers, built from the app's registered tasks.</summary>
internal static class ComparedTasks
{
    public static IServiceCollection AddComparedTasks(this IServiceCollection services) => services
        .AddSingleton<ComparedTask>(sp => new ComparedTask<ChatRequest, ChatDelta>(
            "chat", "Chat", ChatExamples,
            sp.GetRequiredService<IInferenceTask<ChatRequest, ChatDelta>>(),
            (target, settings, prompt) => new ChatRequest([new ChatMessage(ChatRole.User, prompt)], target.Model, target.Provider,
                new ChatOptions { MaxOutputTokens = settings.MaxNewTokens }, target.Policy),
            countsTokens: true, hasPolicies: true))
        .AddSingleton<ComparedTask>(sp => new ComparedTask<SummarizationRequest, GeneratedText>(
            "summarization", "Summarization", Summarization.Summarization.Examples,
            sp.GetRequiredService<IInferenceTask<SummarizationRequest, GeneratedText>>(),
            (target, settings, prompt) => new SummarizationRequest(prompt, new GenerationParameters { MaxNewTokens = settings.MaxNewTokens },
                target.Model, target.Provider),
            countsTokens: true))
        .AddSingleton<ComparedTask>(sp => new ComparedTask<TextClassificationRequest, ClassifiedText>(
            "sentiment", "Sentiment", TextClassification.Sentiment.Examples,
            sp.GetRequiredService<IInferenceTask<TextClassificationRequest, ClassifiedText>>(),
            (target, settings, prompt) => new TextClassificationRequest([prompt], target.Model, Provider: target.Provider)))
        .AddSingleton<ComparedTask>(sp => new ComparedTask<TextToImageRequest, GeneratedImage>(
            "image", "Image generation", TextToImage.Image.Examples,
            sp.GetRequiredService<IInferenceTask<TextToImageRequest, GeneratedImage>>(),
            (target, settings, prompt) => new TextToImageRequest(prompt, Model: target.Model, Provider: target.Provider)));

    /// <summary>Chat's examples for a comparison: short questions with short answers, so that runs compare speed, not length.</summary>
    public static readonly IReadOnlyList<string> ChatExamples =
    [
        "Explain in two sentences why the sky is blue.",
        "Give three tips for writing a clear commit message.",
        "What is the difference between a list and a tuple in Python? Answer briefly.",
    ];
}
