namespace WebDemo.Inference.Usage;

/// <summary>Who starts a task call: the surface ("page", "hub", "api", "compare") and the browser, when known.</summary>
public sealed record UsageCaller(string Surface, string? BrowserId);

/// <summary>
/// The caller of the task calls started in this async flow, set by each surface around the call
/// that starts a task. A task reads it when it is started (synchronously), so the scope need only
/// cover that call, not the stream that follows.
/// </summary>
public static class UsageContext
{
    public const string Page = "page";
    public const string Hub = "hub";
    public const string Api = "api";

    /// <summary>The Compare page's measured runs.</summary>
    public const string Compare = "compare";

    private static readonly AsyncLocal<UsageCaller?> CurrentCaller = new();

    public static UsageCaller? Current => CurrentCaller.Value;

    /// <summary>Sets the caller until the returned scope is disposed, then restores the one before.</summary>
    public static IDisposable Enter(string surface, string? browserId)
    {
        var before = CurrentCaller.Value;
        CurrentCaller.Value = new UsageCaller(surface, browserId);
        return new Scope(before);
    }

    private sealed class Scope(UsageCaller? before) : IDisposable
    {
        public void Dispose() => CurrentCaller.Value = before;
    }
}
