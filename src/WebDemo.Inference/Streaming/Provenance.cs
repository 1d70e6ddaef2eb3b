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

    /// <summary>
    /// Output tokens per second, when the backend counted them: over the time after the first result
    /// when the output streamed (the first token's wait is the time to first result), else over the
    /// whole call, as an answer that came in one piece (a beam search, a provider that does not
    /// stream) has no streaming time to speak of. Null without a count or a time to divide by.
    /// </summary>
    public double? OutputTokensPerSecond
    {
        get
        {
            if (TokensOut is not { } output || output <= 0 || TotalMs <= 0)
                return null;
            var streaming = TotalMs - (TimeToFirstResultMs ?? 0);
            if (streaming < 0.05 * TotalMs)
                return output / (TotalMs / 1000);
            return output > 1 ? (output - 1) / (streaming / 1000) : null;
        }
    }
}

/// <param name="Outcome">"ok", "failed", "skipped" (circuit open) or "cancelled".</param>
/// <param name="Status">The HTTP status when the attempt was an HTTP call.</param>
public sealed record Attempt(string Provider, string Outcome, double DurationMs, int? Status = null, string? Error = null);
