using Microsoft.Extensions.AI;

namespace WebDemo.Inference.Routing;

/// <summary>Chat through cloud providers, as the core sees it.</summary>
public interface ICloudChat
{
    /// <summary>Null when cloud chat can be used; otherwise why not, in words.</summary>
    string? UnavailableReason { get; }

    /// <summary>The live providers of a chat model, in the Hub's order.</summary>
    Task<IReadOnlyList<CloudProvider>> ProvidersAsync(string model, CancellationToken cancellationToken);

    /// <summary>A chat client that asks <paramref name="routedModel"/> ("model", "model:fastest", "model:provider") of the router.</summary>
    IChatClient ClientFor(string provider, string routedModel);
}
