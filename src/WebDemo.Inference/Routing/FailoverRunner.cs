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
/// repeated. The final update records every attempt; the call and each attempt are also recorded
/// as spans and metrics (<see cref="InferenceTelemetry"/>).
/// </summary>
internal static class FailoverRunner
{
    /// <param name="task">The task's name (its HF task name), for the telemetry.</param>
    public static async IAsyncEnumerable<InferenceUpdate<T>> RunAsync<TBackend, T>(
        string task,
        IReadOnlyList<ChainLink<TBackend>> chain,
        Func<ChainLink<TBackend>, CancellationToken, IAsyncEnumerable<InferenceUpdate<T>>> call,
        Func<T, (int In, int Out)> tokens,
        [EnumeratorCancellation] CancellationToken cancellationToken,
        Func<T, string?>? servedBy = null)
    {
        using var telemetry = InferenceTelemetry.StartCall(task);
        var clock = Stopwatch.StartNew();
        var attempts = new List<Attempt>();
        InferenceException? lastError = null;
        var tokenRejected = false; // a 401/403: the remaining cloud links would refuse the same token

        foreach (var link in chain)
        {
            if (tokenRejected && link.Provider != ProviderNames.Local)
                continue;
            var linkClock = Stopwatch.StartNew();
            double? firstResultMs = null;
            var tokensIn = 0;
            var tokensOut = 0;
            var produced = false;
            string? answeredBy = null; // the provider the router says served it, when it says (x-inference-provider)
            InferenceException? failure = null;
            using var attempt = InferenceTelemetry.StartAttempt(telemetry, task, link.Provider, link.Model, link.Device);

            await using var updates = call(link, cancellationToken).GetAsyncEnumerator(cancellationToken);
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
                catch (Exception ex)
                {
                    attempt.Threw(ex);
                    throw;
                }
                if (update.Kind == UpdateKind.Partial && update.Partial is { } item)
                {
                    firstResultMs ??= clock.Elapsed.TotalMilliseconds;
                    attempt.FirstResult();
                    var (itemIn, itemOut) = tokens(item);
                    tokensIn += itemIn;
                    tokensOut += itemOut;
                    produced = true;
                    answeredBy ??= servedBy?.Invoke(item);
                }
                if (update.Kind != UpdateKind.Final)
                    yield return update;
            }

            if (failure is null)
            {
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
            if (produced || ReferenceEquals(link, chain[^1]))
                break;
            if (!failure.CanFailOver)
            {
                // A bad token fails at every cloud provider alike, but not at the local model.
                if (failure.Kind != InferenceErrorKind.Unauthorized || link.Provider == ProviderNames.Local
                    || chain[^1].Provider != ProviderNames.Local)
                    break;
                tokenRejected = true;
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
