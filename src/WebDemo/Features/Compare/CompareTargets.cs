using WebDemo.Inference.Errors;
using WebDemo.Inference.Routing;

namespace WebDemo.Features.Compare;

/// <summary>What a task offers to compare for a cloud model, and why some could not be listed.</summary>
/// <param name="CloudModels">The models cloud targets may be asked for (the router's and the operator's servers'); empty without cloud.</param>
/// <param name="Model">The cloud model the targets are for; "" without cloud.</param>
internal sealed record CompareChoices(IReadOnlyList<string> CloudModels, string Model, IReadOnlyList<CompareTargetSetting> Targets, string? Error);

internal static class CompareTargets
{
    /// <summary>
    /// The targets of <paramref name="task"/>: each local model; for the cloud model, <c>auto</c> (and
    /// its policies where the task has them) and each provider that serves it; and each of the
    /// operator's OpenAI-compatible servers with its own model, so that a server can be set beside
    /// the router's providers on the same prompt.
    /// </summary>
    public static async Task<CompareChoices> ListAsync(ComparedTask task, string? model, CancellationToken cancellationToken)
    {
        var service = task.Service;
        var cloudModels = service.CloudUnavailableReason is null ? service.Models.Except(service.LocalModels).ToList() : [];
        var chosen = model is not null && cloudModels.Contains(model) ? model : cloudModels.FirstOrDefault() ?? "";
        var targets = service.LocalModels.Select(m => new CompareTargetSetting(ProviderNames.Local, m)).ToList();
        var errors = new List<string>();
        if (chosen.Length > 0)
        {
            var providers = await ProvidersAsync(service, chosen, errors, cancellationToken);
            if (providers.Count == 0 || !providers.All(service.IsOperatorServer)) // a server's own model is not the router's to route
            {
                targets.Add(new(ProviderNames.Auto, chosen));
                if (task.HasPolicies)
                    targets.AddRange([new(ProviderNames.Auto, chosen, ":fastest"), new(ProviderNames.Auto, chosen, ":cheapest")]);
            }
            targets.AddRange(providers.Select(p => new CompareTargetSetting(p, chosen)));
            foreach (var other in cloudModels.Where(m => m != chosen))
            {
                var servers = (await ProvidersAsync(service, other, errors, cancellationToken)).Where(service.IsOperatorServer);
                targets.AddRange(servers.Select(server => new CompareTargetSetting(server, other)));
            }
        }
        return new CompareChoices(cloudModels, chosen, targets, errors.Count == 0 ? null : string.Join(" ", errors));
    }

    private static async Task<IReadOnlyList<string>> ProvidersAsync(
        Inference.Tasks.IInferenceTask service, string model, List<string> errors, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            return await service.CloudProvidersAsync(model, timeout.Token);
        }
        catch (Exception ex) when (ex is InferenceException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            errors.Add($"The providers of {model} could not be listed: {ex.Message}");
            return [];
        }
    }
}
