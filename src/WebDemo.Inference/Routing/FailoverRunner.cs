using System.Diagnostics;
using System.Runtime.CompilerServices;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Telemetry;

namespace WebDemo.Inference.Routing;

/// <summary>
/// Walks a failover chain for any task: the first link that answers serves the call; a link that
/// fails before any output moves on to the next, unless the error is one another provider cannot
/// fix: bad input ends the chain; a bad token (401/403) ends its cloud links, but the local link,
/// which needs no token, still runs when the chain has one. Once output has reached the caller, a failure ends the stream
/// with an honest error rather than starting again elsewhere, so nothing already shown is lost or
/// repeated; a caller that shows nothing until the end (buffered) fails over at any point. The final update records every attempt; the call and each attempt are also recorded
/// as spans and metrics (<see cref="InferenceTelemetry"/>).
/// </summary>
internal static class FailoverRunner
{
    /// <param name="task">The task's name (its HF task name), for the telemetry.</param>
    /// <param name="buffered">
    /// The caller shows nothing until the answer is complete (a non-streaming API call): each
    /// link's output is held until that link finishes, so a link that fails part-way fails over
    /// like one that failed before its first output, and nothing of it reaches the caller.
    /// </param>
    /// <param name="cloudBudget">
    /// How long the cloud links together may take to start answering; once it is spent no
    /// further cloud link is tried (the local link, which needs no network, still runs).
    /// </param>
    public static async IAsyncEnumerable<InferenceUpdate<T>> RunAsync<TBackend, T>(
        string task,
        IReadOnlyList<ChainLink<TBackend>> chain,
        Func<ChainLink<TBackend>, CancellationToken, IAsyncEnumerable<InferenceUpdate<T>>> call,
        Func<T, (int In, int Out)> tokens,
        [EnumeratorCancellation] CancellationToken cancellationToken,
        Func<T, string?>? servedBy = null,
        bool buffered = false,
        TimeSpan? cloudBudget = null)
    {
        using var telemetry = InferenceTelemetry.StartCall(task);
        var clock = Stopwatch.StartNew();
        var attempts = new List<Attempt>();
        InferenceException? lastError = null;
        var cloudClosed = false; // a 401/403 (the remaining cloud links would refuse the same token) or the cloud budget spent

        foreach (var link in chain)
        {
            var isCloud = link.Provider != ProviderNames.Local;
            if (cloudClosed && isCloud)
                continue;
            var linkClock = Stopwatch.StartNew();
            double? firstResultMs = null;
            var tokensIn = 0;
            var tokensOut = 0;
            var produced = false;
            var held = new List<InferenceUpdate<T>>(); // buffered: this link's output, until it has finished
            string? answeredBy = null; // the provider the router says served it, when it says (x-inference-provider)
            InferenceException? failure = null;
            using var attempt = InferenceTelemetry.StartAttempt(telemetry, task, link.Provider, link.Model, link.Device);

            // The cloud budget runs until the first output; after that the stream's own budgets apply.
            using var linkCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (isCloud && cloudBudget is { } budget)
                linkCancellation.CancelAfter(budget - clock.Elapsed > TimeSpan.Zero ? budget - clock.Elapsed : TimeSpan.Zero);

            await using var updates = call(link, linkCancellation.Token).GetAsyncEnumerator(linkCancellation.Token);
            while (true)
            {
                InferenceUpdate<T> update;
                try
                {
                    attempt.Enter();
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                        break;
                    update = updates.Current;
                }
                catch (InferenceException ex)
                {
                    failure = ex;
                    break;
                }
                catch (OperationCanceledException) when (linkCancellation.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    failure = new InferenceException(InferenceErrorKind.TimedOut,
                        $"{link.Provider} had not answered when this call's cloud budget of {cloudBudget!.Value.TotalSeconds:0} s ran out.")
                    { Provider = link.Provider };
                    break;
                }
                catch (Exception ex)
                {
                    attempt.Threw(ex);
                    throw;
                }
                if (update.Kind == UpdateKind.Partial && update.Partial is { } item)
                {
                    if (!produced)
                        linkCancellation.CancelAfter(Timeout.InfiniteTimeSpan);
                    firstResultMs ??= clock.Elapsed.TotalMilliseconds;
                    attempt.FirstResult();
                    var (itemIn, itemOut) = tokens(item);
                    tokensIn += itemIn;
                    tokensOut += itemOut;
                    produced = true;
                    answeredBy ??= servedBy?.Invoke(item);
                }
                if (buffered && update.Kind == UpdateKind.Partial)
                    held.Add(update);
                else if (update.Kind != UpdateKind.Final)
                    yield return update;
            }

            if (failure is null)
            {
                foreach (var update in held)
                    yield return update;
                attempts.Add(new Attempt(link.Provider, "ok", linkClock.Elapsed.TotalMilliseconds));
                attempt.Succeeded(tokensIn, tokensOut);
                var provider = answeredBy is not null && answeredBy != link.Provider ? $"{link.Provider} → {answeredBy}" : link.Provider;
                telemetry.Served(provider, link.Model, attempts.Count);
                yield return InferenceUpdate<T>.ForFinal(new Provenance(provider, link.Model, link.Device,
                    firstResultMs, clock.Elapsed.TotalMilliseconds, attempts,
                    TokensIn: tokensIn > 0 ? tokensIn : null, TokensOut: tokensOut > 0 ? tokensOut : null));
                yield break;
            }

            attempts.Add(new Attempt(link.Provider, failure.Kind == InferenceErrorKind.ProviderDown ? "skipped" : "failed",
                linkClock.Elapsed.TotalMilliseconds, failure.Status, failure.Message));
            attempt.Failed(failure.Kind);
            lastError = failure;
            if ((produced && !buffered) || ReferenceEquals(link, chain[^1]))
                break;
            var budgetSpent = isCloud && cloudBudget is { } spent && clock.Elapsed >= spent;
            if (!failure.CanFailOver || budgetSpent)
            {
                // A bad token fails at every cloud provider alike, and a spent budget ends the cloud
                // links too; neither stops the local model.
                var closesCloudOnly = failure.Kind == InferenceErrorKind.Unauthorized || budgetSpent;
                if (!closesCloudOnly || !isCloud || chain[^1].Provider != ProviderNames.Local)
                    break;
                cloudClosed = true;
                attempt.FailingOver();
                yield return InferenceUpdate<T>.ForProgress(new ProgressInfo("failover",
                    $"{link.Provider} failed ({failure.Message}); trying the local model…"));
                continue;
            }
            attempt.FailingOver();
            yield return InferenceUpdate<T>.ForProgress(new ProgressInfo("failover",
                $"{link.Provider} failed ({failure.Message}); trying the next provider…"));
        }

        var error = WithAttempts(lastError ?? new InferenceException(InferenceErrorKind.ModelUnavailable, "No provider can serve this model."), attempts);
        telemetry.Failed(error.Kind, attempts.Count);
        throw error;
    }

    /// <summary>The last error, saying what was tried before it when there was more than one attempt.</summary>
    private static InferenceException WithAttempts(InferenceException error, List<Attempt> attempts)
    {
        if (attempts.Count <= 1)
            return error;
        var tried = string.Join("; ", attempts.Select(a => $"{a.Provider}: {a.Error}"));
        return new InferenceException(error.Kind, $"Every provider failed. {tried}", error)
        {
            Provider = error.Provider,
            Status = error.Status,
            RetryAfter = error.RetryAfter,
        };
    }
}
