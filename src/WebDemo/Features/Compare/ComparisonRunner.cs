using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using WebDemo.Hosting;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;

namespace WebDemo.Features.Compare;

/// <summary>
/// Runs a comparison: the targets one after another, so that they never slow each other down on
/// this machine or share a connection; per target its warm-up runs one at a time, then its measured
/// runs with the chosen concurrency. Every run is reported as it ends. Stopping cancels the runs in
/// flight (reported as "cancelled") and starts no more; what finished stays.
/// </summary>
internal sealed class ComparisonRunner(
    IEnumerable<ComparedTask> tasks, IOptions<CompareOptions> options, IOptions<OperatorOptions> operatorOptions, ILogger<ComparisonRunner> logger) : IDisposable
{
    private readonly SemaphoreSlim _running = new(options.Value.MaxRunning, options.Value.MaxRunning);
    private readonly ConcurrentDictionary<string, bool> _clients = new(StringComparer.Ordinal);

    public IReadOnlyList<ComparedTask> Tasks { get; } = tasks.ToList();

    public ComparedTask Task(string key) =>
        Tasks.FirstOrDefault(t => t.Key == key) ?? throw new InferenceException(InferenceErrorKind.InvalidInput, $"Unknown task '{key}'.");

    /// <summary>Null when the settings may run; otherwise what is wrong with them, in words.</summary>
    public string? Refusal(CompareSettings settings)
    {
        var limits = options.Value;
        if (Tasks.All(t => t.Key != settings.Task))
            return $"Unknown task '{settings.Task}'.";
        if (settings.Targets.Count == 0)
            return "Choose at least one target.";
        if (settings.Targets.Count > limits.MaxTargets)
            return $"At most {limits.MaxTargets} targets can be compared at once.";
        if (settings.Targets.Distinct().Count() != settings.Targets.Count)
            return "A target is listed twice.";
        if (settings.Runs < 1 || settings.Runs > limits.MaxRuns)
            return $"Runs must be 1 to {limits.MaxRuns}.";
        if (settings.Concurrency < 1 || settings.Concurrency > limits.MaxConcurrency)
            return $"Concurrency must be 1 to {limits.MaxConcurrency}.";
        if (settings.Runs * settings.Concurrency > limits.MaxRunsTimesConcurrency)
            return $"Runs × concurrency may be at most {limits.MaxRunsTimesConcurrency} ({settings.Runs} × {settings.Concurrency} = {settings.Runs * settings.Concurrency}).";
        if (settings.WarmupRuns < 0 || settings.WarmupRuns > limits.MaxWarmupRuns)
            return $"Warm-up runs must be 0 to {limits.MaxWarmupRuns}.";
        if (string.IsNullOrWhiteSpace(settings.Prompt) && !settings.UseExamples)
            return "Enter a prompt, or use the task's examples.";
        if (settings.Prompt.Length > limits.MaxPromptCharacters)
            return $"The prompt has {settings.Prompt.Length:N0} characters; at most {limits.MaxPromptCharacters:N0} are allowed.";
        if (settings.MaxNewTokens is < 1 || settings.MaxNewTokens > limits.MaxNewTokens)
            return $"Max new tokens must be 1 to {limits.MaxNewTokens}.";
        return null;
    }

    /// <summary>
    /// Null when the visitor may compare these targets; otherwise why not. With
    /// <see cref="CompareOptions.RequireOperatorTokenForCloud"/>, a cloud target wants the operator
    /// token (compared in constant time); local models never do.
    /// </summary>
    public string? OperatorRefusal(CompareSettings settings, string? presentedToken)
    {
        if (!options.Value.RequireOperatorTokenForCloud || settings.Targets.All(t => t.Provider == ProviderNames.Local))
            return null;
        if (operatorOptions.Value.Token?.Trim() is not { Length: > 0 } expected)
            return "The operator allows cloud comparisons with the operator token only, and has set none: compare local models.";
        return BearerTokens.Matches(presentedToken?.Trim(), expected) ? null
            : "Cloud comparisons want the app's operator token: type it in the Operator token box.";
    }

    /// <summary>
    /// Runs the comparison, calling <paramref name="onResult"/> as each run ends (from any thread).
    /// Throws <see cref="InferenceException"/> (InvalidInput) for settings that may not run, and
    /// (Busy) when this client already runs one or the server already runs its most comparisons.
    /// </summary>
    /// <param name="client">Who asks (a browser id, else an address): one comparison at a time each.</param>
    public async Task RunAsync(CompareSettings settings, string client, Action<RunResult> onResult, CancellationToken cancellationToken)
    {
        if (Refusal(settings) is { } why)
            throw new InferenceException(InferenceErrorKind.InvalidInput, why);
        if (!_clients.TryAdd(client, true))
            throw new InferenceException(InferenceErrorKind.Busy, "A comparison of yours is already running (in another tab?): stop it or wait for its end.");
        if (!await _running.WaitAsync(0, CancellationToken.None))
        {
            _clients.TryRemove(client, out _);
            throw new InferenceException(InferenceErrorKind.Busy,
                $"The server already runs {options.Value.MaxRunning} comparisons; try again in a minute.");
        }
        try
        {
            var task = Task(settings.Task);
            var clock = Stopwatch.StartNew();
            foreach (var setting in settings.Targets)
            {
                var target = new CompareTarget(setting.Provider, setting.Model, setting.Policy);
                for (var w = 1; w <= settings.WarmupRuns && !cancellationToken.IsCancellationRequested; w++)
                    onResult(await RunOnceAsync(task, target, settings, w, warmup: true, cold: w == 1, clock, cancellationToken));

                var next = 0;
                var workers = Enumerable.Range(0, settings.Concurrency).Select(async _ =>
                {
                    int run;
                    while ((run = Interlocked.Increment(ref next)) <= settings.Runs && !cancellationToken.IsCancellationRequested)
                    {
                        var sequence = settings.WarmupRuns + run;
                        onResult(await RunOnceAsync(task, target, settings, sequence, warmup: false,
                            cold: settings.WarmupRuns == 0 && run == 1, clock, cancellationToken));
                    }
                });
                await System.Threading.Tasks.Task.WhenAll(workers);
                if (cancellationToken.IsCancellationRequested)
                    return;
            }
        }
        finally
        {
            _running.Release();
            _clients.TryRemove(client, out _);
        }
    }

    private async Task<RunResult> RunOnceAsync(ComparedTask task, CompareTarget target, CompareSettings settings,
        int sequence, bool warmup, bool cold, Stopwatch clock, CancellationToken cancellationToken)
    {
        var started = clock.Elapsed.TotalMilliseconds;
        RunResult Ended(string outcome, string? kind = null, string? error = null) =>
            new(target.Label, sequence, warmup, cold, started, null, clock.Elapsed.TotalMilliseconds - started, null, null, null, outcome, kind, error);
        try
        {
            await System.Threading.Tasks.Task.Yield(); // the task's own validation runs here, not on the caller's thread
            var (first, provenance) = await task.RunAsync(target, settings, task.PromptFor(settings, sequence), cancellationToken);
            return new RunResult(target.Label, sequence, warmup, cold, started, first, clock.Elapsed.TotalMilliseconds - started,
                provenance.TokensOut, task.CountsTokens ? provenance.OutputTokensPerSecond : null, AnsweredBy(provenance), "ok");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Ended("cancelled");
        }
        catch (InferenceException ex)
        {
            return Ended("failed", ex.Kind.ToString(), ex.Message);
        }
#pragma warning disable CA1031 // A run that fails in a way no task foresaw is one failed run, not the end of the comparison.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogError(ex, "A {Task} comparison run for {Target} failed unexpectedly", settings.Task, target.Label);
            return Ended("failed", InferenceErrorKind.BackendFailed.ToString(), "The run failed unexpectedly; the server's log has the details.");
        }
    }

    /// <summary>The provider that answered: for the router's own choice ("auto → together"), the one it chose.</summary>
    private static string AnsweredBy(Provenance provenance) => provenance.Provider.Split(" → ")[^1];

    public void Dispose() => _running.Dispose();
}
