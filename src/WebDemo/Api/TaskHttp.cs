using System.Text.Json.Serialization.Metadata;
using WebDemo.Hosting;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Usage;

namespace WebDemo.Api;

/// <summary>
/// How one wire format speaks HTTP for one task: how its body is read and turned into the task's
/// request, and how the stream, the collected answer and errors are written. The steps between
/// (<see cref="TaskHttp.HandleAsync"/>) are the same for every format.
/// </summary>
internal abstract class WireFormat<TWire, TRequest, TItem> where TRequest : ITaskRequest
{
    public abstract JsonTypeInfo<TWire> WireType { get; }

    /// <summary>What a body should look like, in words, for messages about one that is not.</summary>
    public abstract string ExpectedBody { get; }

    /// <summary>The status for JSON of the wrong shape: 422 for the HF API, 400 for OpenAI's.</summary>
    public abstract int ShapeErrorStatus { get; }

    /// <summary>The task's request; throws <see cref="BadBodyException"/> for what the JSON types cannot say (a missing field, an unknown role).</summary>
    public abstract TRequest ToRequest(TWire wire, HttpContext http);

    public abstract bool WantsStream(TWire wire, HttpContext http);

    public abstract IResult Stream(IAsyncEnumerable<InferenceUpdate<TItem>> updates, TRequest request, CancellationToken ct);

    public abstract IResult Complete(IReadOnlyList<TItem> items, Provenance? provenance, TRequest request, HttpContext http);

    public abstract IResult Error(int status, string message, TimeSpan? retryAfter = null);

    public IResult Error(InferenceException error) => Error(InferenceProblems.StatusCodeFor(error.Kind), error.Message, error.RetryAfter);
}

/// <summary>The steps every task endpoint takes: read the body, start the task, then stream or collect its answer.</summary>
internal static class TaskHttp
{
    public static async Task<IResult> HandleAsync<TWire, TRequest, TItem>(
        HttpContext http, WireFormat<TWire, TRequest, TItem> format, IInferenceTask<TRequest, TItem> task, CancellationToken ct)
        where TRequest : ITaskRequest
    {
        var limits = http.RequestServices.GetRequiredService<ClientRateLimits>();
        if (limits.TryStart(http.Connection.RemoteIpAddress) is { } wait)
            return format.Error(StatusCodes.Status429TooManyRequests, limits.Refusal(wait), wait);

        TRequest request;
        TWire wire;
        try
        {
            wire = await JsonBody.ReadAsync(http.Request, format.WireType, format.ShapeErrorStatus, format.ExpectedBody, ct);
            request = format.ToRequest(wire, http);
        }
        catch (BadBodyException ex)
        {
            return format.Error(ex.Status, ex.Message);
        }

        var streaming = format.WantsStream(wire, http);
        IAsyncEnumerable<InferenceUpdate<TItem>> updates;
        try
        {
            // Validates before anything is sent. A collected answer is shown to no one until it is
            // complete, so it may fail over even part-way (RunBufferedAsync).
            using (UsageContext.Enter(UsageContext.Api, BrowserIds.Of(http)))
                updates = (streaming ? task.RunAsync(request, ct) : task.RunBufferedAsync(request, ct))
                    .EndOnShutdown(http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping, ct);
        }
        catch (InferenceException ex)
        {
            return format.Error(ex);
        }

        if (streaming)
            return format.Stream(updates, request, ct);

        var items = new List<TItem>();
        Provenance? provenance = null;
        try
        {
            await foreach (var update in updates.WithCancellation(ct))
            {
                if (update.Partial is { } item)
                    items.Add(item);
                provenance = update.Provenance ?? provenance;
            }
        }
        catch (InferenceException ex)
        {
            return format.Error(ex);
        }
        return format.Complete(items, provenance, request, http);
    }

    /// <summary>
    /// <c>?failover=true</c>: a provider the caller named may be replaced when it fails (off by
    /// default, as the HF clients and the router honour a named provider strictly).
    /// </summary>
    public static bool Failover(HttpContext http) => http.Request.Query["failover"].ToString() switch
    {
        "" or "false" or "0" => false,
        "true" or "1" => true,
        var other => throw new BadBodyException(StatusCodes.Status400BadRequest,
            $"\"failover\" must be true or false, not '{Ascii(other)}'."),
    };

    /// <summary>Who answered (x-inference-provider) and, when it failed over, from what (x-webdemo-failover): ASCII only.</summary>
    public static void WriteProvenanceHeaders(HttpContext http, Provenance provenance)
    {
        http.Response.Headers["x-inference-provider"] = ProviderHeader(provenance);
        if (provenance.Failover is { } failover)
            http.Response.Headers["x-webdemo-failover"] = Ascii(failover.Replace(" → ", " via "));
    }

    /// <summary>
    /// The provider that answered, for a response header: headers carry ASCII only (Kestrel
    /// refuses anything else), so "auto → novita" becomes "novita". The body has the whole story.
    /// </summary>
    public static string ProviderHeader(Provenance provenance)
    {
        var served = provenance.Provider;
        var arrow = served.LastIndexOf('→');
        if (arrow >= 0)
            served = served[(arrow + 1)..].Trim();
        return Ascii(served);
    }

    private static string Ascii(string text) => new(text.Where(c => c is >= ' ' and <= '~').ToArray());
}
