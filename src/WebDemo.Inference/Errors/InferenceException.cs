namespace WebDemo.Inference.Errors;

public enum InferenceErrorKind
{
    /// <summary>The request itself is wrong (empty, too many inputs, too long, bad parameter). Another provider would refuse it too.</summary>
    InvalidInput,
    /// <summary>No such model here or at that provider, or the repository lacks a file the task needs.</summary>
    ModelNotFound,
    /// <summary>The token is missing, invalid, or has no access. Another provider will not fix a bad token.</summary>
    Unauthorized,
    /// <summary>The account is out of credits for this provider (HTTP 402).</summary>
    PaymentRequired,
    /// <summary>The provider rate-limits us (HTTP 429) beyond what waiting within the budget could fix.</summary>
    RateLimited,
    /// <summary>The model cannot be fetched, loaded or reached right now (offline, corrupt file, 5xx, connection).</summary>
    ModelUnavailable,
    /// <summary>The provider's circuit is open after repeated failures: skipped at once.</summary>
    ProviderDown,
    /// <summary>This server's queue for the task is full: try again later (HTTP 503 with Retry-After).</summary>
    Busy,
    /// <summary>No answer within the task's time budget.</summary>
    TimedOut,
    /// <summary>The backend failed while running the model, or answered something unreadable.</summary>
    BackendFailed,
}

/// <summary>An error a user can act on; its message is written for the page and the API.</summary>
public sealed class InferenceException(InferenceErrorKind kind, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public InferenceErrorKind Kind { get; } = kind;

    /// <summary>The provider that failed, when the error came from one.</summary>
    public string? Provider { get; init; }

    /// <summary>The HTTP status the provider answered, when there was one.</summary>
    public int? Status { get; init; }

    /// <summary>When the caller may try again (rate limits), if the provider said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// Whether the next provider of a chain may succeed where this one failed. Bad input and a bad
    /// token fail everywhere alike, so they end the chain at once.
    /// </summary>
    public bool CanFailOver => Kind is not (InferenceErrorKind.InvalidInput or InferenceErrorKind.Unauthorized);
}
