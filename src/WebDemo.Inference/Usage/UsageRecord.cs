namespace WebDemo.Inference.Usage;

/// <summary>
/// One finished task call as usage accounting keeps it: who called through which surface, what
/// answered and what it cost. It holds no input or output: never a prompt, a text or an image.
/// </summary>
/// <param name="At">When the call ended (UTC).</param>
/// <param name="Surface">"page", "hub" or "api" (<see cref="UsageContext"/>); "other" when none said.</param>
/// <param name="BrowserId">The caller's anonymous browser id, when the surface knows it.</param>
/// <param name="Task">The task's Hugging Face name.</param>
/// <param name="Provider">The provider that answered or, for a call that did not finish, the last one tried.</param>
/// <param name="Model">The model that answered or was last asked.</param>
/// <param name="Images">Images delivered (text-to-image; 0 for other tasks).</param>
/// <param name="Steps">Denoising steps of the delivered images, when known.</param>
/// <param name="Outcome"><see cref="UsageOutcome.Ok"/>, <see cref="UsageOutcome.Failed"/> or <see cref="UsageOutcome.Cancelled"/>.</param>
/// <param name="ErrorKind">For a failed call: the <see cref="Errors.InferenceErrorKind"/>'s name.</param>
/// <param name="EstimatedCostUsd">An estimate from the catalogue's prices: 0 for local, null where no price is known.</param>
/// <param name="IsCloud">Whether a Hugging Face Inference Provider served it (what the operator's daily budget counts).</param>
public sealed record UsageRecord(
    DateTimeOffset At,
    string Surface,
    string? BrowserId,
    string Task,
    string Provider,
    string Model,
    int TokensIn,
    int TokensOut,
    int Images,
    int? Steps,
    double DurationMs,
    string Outcome,
    string? ErrorKind,
    decimal? EstimatedCostUsd,
    bool IsCloud);

public static class UsageOutcome
{
    public const string Ok = "ok";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}

/// <summary>
/// Receives every finished task call (pages, hub and API alike), once. It is called on the call's
/// own path, so it must return at once and never throw: a store writes elsewhere.
/// </summary>
public interface IUsageRecorder
{
    void Record(UsageRecord record);
}

/// <summary>
/// The operator's daily limit on cloud calls. While it is spent, Hugging Face Inference Providers
/// are not tried: "auto" falls to the local model, a named provider is refused with
/// <see cref="Refusal"/>'s words. Local models and the operator's own servers are not counted.
/// </summary>
public interface ICloudBudget
{
    /// <summary>Null while cloud calls may run; otherwise why not, in words for the page and the API.</summary>
    string? Refusal { get; }
}
