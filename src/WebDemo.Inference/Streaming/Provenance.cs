namespace WebDemo.Inference.Streaming;

/// <summary>Where an answer came from and what it cost.</summary>
/// <param name="Provider">The provider that answered: "local", or a cloud provider's name.</param>
/// <param name="Model">The model id that answered.</param>
/// <param name="Device">Where it ran, when known ("CPU", "CUDA").</param>
/// <param name="TimeToFirstResultMs">From the call to the first partial output.</param>
/// <param name="TotalMs">From the call to the final update.</param>
/// <param name="Attempts">Every backend tried, in order, with its outcome.</param>
public sealed record Provenance(
    string Provider,
    string Model,
    string? Device,
    double? TimeToFirstResultMs,
    double TotalMs,
    IReadOnlyList<Attempt> Attempts,
    int? TokensIn = null,
    int? TokensOut = null)
{
    /// <summary>When more than one provider was tried: that it failed over, and from what, in words; else null.</summary>
    public string? Failover => Attempts.Count <= 1 ? null
        : $"Answered by {Provider} after " + string.Join("; ", Attempts.Take(Attempts.Count - 1)
            .Select(a => $"{a.Provider} {a.Outcome}{(a.Status is { } status ? $" (HTTP {status})" : "")}")) + ".";
}

/// <param name="Outcome">"ok", "failed", "skipped" (circuit open) or "cancelled".</param>
/// <param name="Status">The HTTP status when the attempt was an HTTP call.</param>
public sealed record Attempt(string Provider, string Outcome, double DurationMs, int? Status = null, string? Error = null);
