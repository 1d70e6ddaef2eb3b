namespace WebDemo.Inference.Errors;

public enum InferenceErrorKind
{
    /// <summary>The request itself is wrong (empty, too many inputs, too long, bad parameter).</summary>
    InvalidInput,
    /// <summary>No such model here, or the repository lacks a file the task needs.</summary>
    ModelNotFound,
    /// <summary>The model exists but needs a token, or the token has no access.</summary>
    Unauthorized,
    /// <summary>The model cannot be fetched or loaded right now (offline, corrupt file, network).</summary>
    ModelUnavailable,
    /// <summary>The backend failed while running the model.</summary>
    BackendFailed,
}

/// <summary>An error a user can act on; its message is written for the page and the API.</summary>
public sealed class InferenceException(InferenceErrorKind kind, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public InferenceErrorKind Kind { get; } = kind;
}
