using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Tasks.Chat;

/// <summary>
/// The chat task: validates the conversation, plans the provider chain and streams the answer
/// through <see cref="IChatClient"/>s, each stream held to its time budgets. "auto" asks the
/// router to choose (with the configured policy), then the model's providers one by one.
/// </summary>
public sealed class ChatService(IOptions<ChatTaskOptions> options, ICloudChat? cloud = null)
{
    public const string Task = "conversational";

    /// <summary>Where a chat client puts the provider that served a stream, on its first update.</summary>
    public const string ServedByProperty = "served_by";

    public ChatTaskOptions Options => options.Value;

    public IAsyncEnumerable<InferenceUpdate<ChatDelta>> StreamAsync(ChatRequest request, CancellationToken cancellationToken = default)
    {
        Validate(request);
        if (cloud is null)
            throw new InferenceException(InferenceErrorKind.Unauthorized, "Cloud providers are not set up in this app.");
        if (cloud.UnavailableReason is { } why)
            throw new InferenceException(InferenceErrorKind.Unauthorized, why);
        var model = string.IsNullOrWhiteSpace(request.Model) ? Options.DefaultModel : request.Model.Trim();
        if (!Options.AllowedModels.Contains(model))
            throw new InferenceException(InferenceErrorKind.ModelNotFound,
                $"Chat model '{model}' is not offered here. Available: {string.Join(", ", Options.AllowedModels)}.");
        var provider = string.IsNullOrWhiteSpace(request.Provider) ? ProviderNames.Auto : request.Provider.Trim().ToLowerInvariant();
        return RunAsync(request, model, provider, cloud, cancellationToken);
    }

    public void Validate(ChatRequest request)
    {
        if (request.Messages is null || request.Messages.Count == 0)
            throw Invalid("Send at least one message.");
        if (request.Messages.Count > Options.MaxMessages)
            throw Invalid($"Too many messages: {request.Messages.Count}. At most {Options.MaxMessages}.");
        if (!request.Messages.Any(m => m.Role == ChatRole.User && !string.IsNullOrWhiteSpace(m.Text)))
            throw Invalid("The conversation needs at least one non-empty user message.");
        var characters = request.Messages.Sum(m => m.Text?.Length ?? 0);
        if (characters > Options.MaxCharacters)
            throw Invalid($"The conversation is {characters:N0} characters long; at most {Options.MaxCharacters:N0} are accepted.");
    }

    private async IAsyncEnumerable<InferenceUpdate<ChatDelta>> RunAsync(
        ChatRequest request, string model, string provider, ICloudChat cloudChat,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var mapped = await cloudChat.ProvidersAsync(model, cancellationToken).ConfigureAwait(false);
        // The router picks for a plain model id (with the optional :fastest/:cheapest policy); a named provider is model:provider.
        var chain = ProviderRouter.Plan(provider, model, mapped,
            p => cloudChat.ClientFor(p.Name, p.Name == ProviderNames.Auto ? p.ProviderModelId : $"{model}:{p.Name}"),
            local: null, routerChoice: new CloudProvider(ProviderNames.Auto, model + Options.AutoPolicy));

        var messages = request.Messages.ToList();
        await foreach (var update in FailoverRunner.RunAsync(chain,
            (link, ct) => Stream(link, messages, request.Options, ct),
            delta => (delta.TokensIn ?? 0, delta.TokensOut ?? 0), cancellationToken, delta => delta.ServedBy).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    private async IAsyncEnumerable<InferenceUpdate<ChatDelta>> Stream(
        ChainLink<IChatClient> link, List<ChatMessage> messages, ChatOptions? chatOptions,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var updates = link.Backend.GetStreamingResponseAsync(messages, chatOptions, cancellationToken)
            .WithBudget(Options.Budget, link.Provider, cancellationToken);
        await foreach (var update in updates.ConfigureAwait(false))
        {
            var usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details;
            var text = update.Text;
            if (text.Length == 0 && usage is null)
                continue;
            var servedBy = update.AdditionalProperties?.TryGetValue(ServedByProperty, out var value) == true ? value as string : null;
            yield return InferenceUpdate<ChatDelta>.ForPartial(new ChatDelta(text,
                (int?)usage?.InputTokenCount, (int?)usage?.OutputTokenCount, servedBy));
        }
    }

    private static InferenceException Invalid(string message) => new(InferenceErrorKind.InvalidInput, message);
}
