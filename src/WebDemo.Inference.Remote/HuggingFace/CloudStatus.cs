using Microsoft.Extensions.Options;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Remote.HuggingFace.Resilience;
using WebDemo.Inference.Status;

namespace WebDemo.Inference.Remote.HuggingFace;

/// <summary>The Status page's account of the cloud: the token (where it came from, never its value), the router, and each provider's circuit.</summary>
internal sealed class CloudStatus(HuggingFaceToken token, IOptions<CloudOptions> options, ProviderPipelines pipelines) : IStatusContributor
{
    public IReadOnlyList<StatusSection> Describe()
    {
        var cloud = options.Value;
        var circuits = pipelines.CircuitStates.Select(c => c.Value switch
        {
            "Closed" => new StatusChip($"{c.Key}: up", StatusTone.Good),
            "Open" => new StatusChip($"{c.Key}: down, skipped", StatusTone.Bad),
            _ => new StatusChip($"{c.Key}: on trial", StatusTone.Warning),
        }).ToList();
        List<StatusLine> lines =
        [
            token.IsConfigured
                ? new("Token:", [new("configured", StatusTone.Good)], Id: "token-status", After: $"(from {token.Source})")
                : new("Token:", [new("not configured")], Id: "token-status",
                    Caption: "Local models work without one; set `HF_TOKEN` for gated models and cloud providers."),
            new($"Inference Providers: {(token.IsConfigured ? "available" : "unavailable without a token")} through `{cloud.RouterUrl}`; " +
                $"provider mappings from `{cloud.HubUrl}`.", Id: "cloud-status"),
        ];
        if (circuits.Count > 0)
            lines.Add(new("Providers called so far:", circuits, Id: "circuits"));
        return [new StatusSection(20, "Hugging Face", "hub", lines)];
    }
}
