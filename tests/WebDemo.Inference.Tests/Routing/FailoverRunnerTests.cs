using System.Runtime.CompilerServices;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Streaming;

namespace WebDemo.Inference.Tests.Routing;

/// <summary>
/// Direct tests of <see cref="FailoverRunner"/> over scripted in-memory backends: no network, no
/// sleeps, no assertions on elapsed time.
/// </summary>
public class FailoverRunnerTests
{
    // ---- scripted backends ----------------------------------------------------------------

    /// <summary>One piece of output; its tokens feed the runner's <c>tokens</c> function.</summary>
    private sealed record Item(string Text, int In = 0, int Out = 0, string? ServedBy = null);

    private abstract record Step;
    private sealed record Say(ProgressInfo Progress) : Step;
    private sealed record Emit(Item Item) : Step;
    private sealed record Fail(InferenceException Error) : Step;
    /// <summary>An asynchronous hop (stands in for a delay without waiting on a clock).</summary>
    private sealed record Hop : Step;
    /// <summary>The backend's own final update, which the runner must not pass through.</summary>
    private sealed record OwnFinal(Provenance Provenance) : Step;
    /// <summary>Signals <see cref="Entered"/>, then waits for <see cref="Release"/> (or cancellation).</summary>
    private sealed record Gate(TaskCompletionSource Entered, TaskCompletionSource Release) : Step
    {
        public static Gate Create() => new(
            new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously),
            new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private sealed record Backend(params Step[] Steps)
    {
        public int Calls { get; private set; }

        public IAsyncEnumerable<InferenceUpdate<Item>> Run(CancellationToken cancellationToken)
        {
            Calls++;
            return Play(cancellationToken);
        }

        private async IAsyncEnumerable<InferenceUpdate<Item>> Play([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var step in Steps)
            {
                switch (step)
                {
                    case Say say:
                        yield return InferenceUpdate<Item>.ForProgress(say.Progress);
                        break;
                    case Emit emit:
                        yield return InferenceUpdate<Item>.ForPartial(emit.Item);
                        break;
                    case Fail fail:
                        throw fail.Error;
                    case Hop:
                        await Task.Yield();
                        break;
                    case OwnFinal own:
                        yield return InferenceUpdate<Item>.ForFinal(own.Provenance);
                        break;
                    case Gate gate:
                        gate.Entered.TrySetResult();
                        await gate.Release.Task.WaitAsync(cancellationToken);
                        break;
                    default:
                        throw new InvalidOperationException($"Unknown step {step}");
                }
            }
        }
    }

    private static ChainLink<Backend> Link(string provider, Backend backend, string? model = null, string? device = null) =>
        new(provider, model ?? $"{provider}/model", backend, device);

    private static IAsyncEnumerable<InferenceUpdate<Item>> Run(
        IReadOnlyList<ChainLink<Backend>> chain,
        CancellationToken cancellationToken = default,
        Func<Item, string?>? servedBy = null) =>
        FailoverRunner.RunAsync<Backend, Item>(
            "test-task",
            chain,
            (link, ct) => link.Backend.Run(ct),
            item => (item.In, item.Out),
            cancellationToken,
            servedBy);

    /// <summary>Everything the stream yielded, and the InferenceException that ended it, if any.</summary>
    private static async Task<(List<InferenceUpdate<Item>> Updates, InferenceException? Error)> Drain(
        IAsyncEnumerable<InferenceUpdate<Item>> stream)
    {
        var updates = new List<InferenceUpdate<Item>>();
        try
        {
            await foreach (var update in stream)
                updates.Add(update);
        }
        catch (InferenceException ex)
        {
            return (updates, ex);
        }
        return (updates, null);
    }

    private static InferenceException Error(InferenceErrorKind kind, string message, int? status = null) =>
        new(kind, message) { Status = status };

    private static Provenance SingleFinal(List<InferenceUpdate<Item>> updates)
    {
        var final = Assert.Single(updates, u => u.Kind == UpdateKind.Final);
        Assert.Same(final, updates[^1]);
        return final.Provenance!;
    }

    // ---- the first link answers ------------------------------------------------------------

    [Fact]
    public async Task First_link_answers_progress_and_partials_pass_through_in_order_then_one_final()
    {
        var loading = new ProgressInfo("load", "Loading the model", 0.5);
        var first = new Item("first", In: 3, Out: 1);
        var second = new Item("second", In: 0, Out: 2);
        var third = new Item("third", In: 4, Out: 5);
        var alpha = new Backend(new Say(loading), new Emit(first), new Hop(), new Emit(second), new Emit(third));
        var beta = new Backend(new Emit(new Item("never")));

        var (updates, error) = await Drain(Run([Link("alpha", alpha, "org/model-a", "CUDA"), Link("beta", beta)]));

        Assert.Null(error);
        Assert.Equal(
            [UpdateKind.Progress, UpdateKind.Partial, UpdateKind.Partial, UpdateKind.Partial, UpdateKind.Final],
            updates.Select(u => u.Kind));
        Assert.Equal(loading, updates[0].Progress);
        Assert.Equal([first, second, third], updates.Where(u => u.Kind == UpdateKind.Partial).Select(u => u.Partial));

        var provenance = SingleFinal(updates);
        Assert.Equal("alpha", provenance.Provider);
        Assert.Equal("org/model-a", provenance.Model);
        Assert.Equal("CUDA", provenance.Device);
        var attempt = Assert.Single(provenance.Attempts);
        Assert.Equal("alpha", attempt.Provider);
        Assert.Equal("ok", attempt.Outcome);
        Assert.Null(attempt.Status);
        Assert.Null(attempt.Error);
        Assert.Equal(7, provenance.TokensIn);
        Assert.Equal(8, provenance.TokensOut);
        Assert.NotNull(provenance.TimeToFirstResultMs);

        Assert.Equal(1, alpha.Calls);
        Assert.Equal(0, beta.Calls);
    }

    [Fact]
    public async Task Tokens_are_null_when_their_sum_is_zero()
    {
        var alpha = new Backend(new Emit(new Item("a")), new Emit(new Item("b")));

        var (updates, error) = await Drain(Run([Link("alpha", alpha)]));

        Assert.Null(error);
        var provenance = SingleFinal(updates);
        Assert.Null(provenance.TokensIn);
        Assert.Null(provenance.TokensOut);
        Assert.NotNull(provenance.TimeToFirstResultMs);
    }

    [Fact]
    public async Task Only_tokens_out_counted_leaves_tokens_in_null()
    {
        var alpha = new Backend(new Emit(new Item("a", Out: 2)), new Emit(new Item("b", Out: 3)));

        var (updates, _) = await Drain(Run([Link("alpha", alpha)]));

        var provenance = SingleFinal(updates);
        Assert.Null(provenance.TokensIn);
        Assert.Equal(5, provenance.TokensOut);
    }

    [Fact]
    public async Task A_link_that_answers_with_no_partials_has_no_time_to_first_result()
    {
        var alpha = new Backend(new Say(new ProgressInfo("load", "Loading")));

        var (updates, error) = await Drain(Run([Link("alpha", alpha, device: "CPU")]));

        Assert.Null(error);
        Assert.Equal([UpdateKind.Progress, UpdateKind.Final], updates.Select(u => u.Kind));
        var provenance = SingleFinal(updates);
        Assert.Null(provenance.TimeToFirstResultMs);
        Assert.Null(provenance.TokensIn);
        Assert.Null(provenance.TokensOut);
        Assert.Equal("CPU", provenance.Device);
        Assert.Equal("ok", Assert.Single(provenance.Attempts).Outcome);
    }

    // ---- failover before output ------------------------------------------------------------

    [Theory]
    [InlineData(InferenceErrorKind.ModelUnavailable, "failed")]
    [InlineData(InferenceErrorKind.RateLimited, "failed")]
    [InlineData(InferenceErrorKind.PaymentRequired, "failed")]
    [InlineData(InferenceErrorKind.TimedOut, "failed")]
    [InlineData(InferenceErrorKind.ModelNotFound, "failed")]
    [InlineData(InferenceErrorKind.BackendFailed, "failed")]
    [InlineData(InferenceErrorKind.ProviderDown, "skipped")]
    public async Task A_failure_before_any_output_moves_to_the_next_link(InferenceErrorKind kind, string outcome)
    {
        var alpha = new Backend(new Hop(), new Fail(Error(kind, "alpha broke", status: 503)));
        var answer = new Item("from beta", In: 2, Out: 3);
        var beta = new Backend(new Emit(answer));

        var (updates, error) = await Drain(Run([
            Link("alpha", alpha, "org/model-a", "CPU"),
            Link("beta", beta, "org/model-b", "GPU"),
        ]));

        Assert.Null(error);
        Assert.Equal([UpdateKind.Progress, UpdateKind.Partial, UpdateKind.Final], updates.Select(u => u.Kind));

        var failover = updates[0].Progress!;
        Assert.Equal("failover", failover.Stage);
        Assert.Contains("alpha", failover.Message);
        Assert.Contains("alpha broke", failover.Message);
        Assert.DoesNotContain("beta", failover.Message);

        Assert.Equal(answer, updates[1].Partial);

        var provenance = SingleFinal(updates);
        Assert.Equal("beta", provenance.Provider);
        Assert.Equal("org/model-b", provenance.Model);
        Assert.Equal("GPU", provenance.Device);
        Assert.Equal(2, provenance.TokensIn);
        Assert.Equal(3, provenance.TokensOut);
        Assert.Collection(provenance.Attempts,
            a =>
            {
                Assert.Equal("alpha", a.Provider);
                Assert.Equal(outcome, a.Outcome);
                Assert.Equal(503, a.Status);
                Assert.Equal("alpha broke", a.Error);
            },
            a =>
            {
                Assert.Equal("beta", a.Provider);
                Assert.Equal("ok", a.Outcome);
                Assert.Null(a.Status);
                Assert.Null(a.Error);
            });

        Assert.Equal(1, alpha.Calls);
        Assert.Equal(1, beta.Calls);
    }

    [Fact]
    public async Task Progress_alone_is_not_output_so_a_later_failure_still_fails_over()
    {
        var loading = new ProgressInfo("download", "Downloading", 0.25);
        var alpha = new Backend(new Say(loading), new Fail(Error(InferenceErrorKind.ModelUnavailable, "alpha offline")));
        var beta = new Backend(new Emit(new Item("ok")));

        var (updates, error) = await Drain(Run([Link("alpha", alpha), Link("beta", beta)]));

        Assert.Null(error);
        Assert.Equal(
            [UpdateKind.Progress, UpdateKind.Progress, UpdateKind.Partial, UpdateKind.Final],
            updates.Select(u => u.Kind));
        Assert.Equal(loading, updates[0].Progress);
        Assert.Equal("failover", updates[1].Progress!.Stage);
        var provenance = SingleFinal(updates);
        Assert.Equal("beta", provenance.Provider);
        Assert.Equal(["failed", "ok"], provenance.Attempts.Select(a => a.Outcome));
        Assert.Equal(1, beta.Calls);
    }

    [Fact]
    public async Task Several_failing_links_each_emit_a_failover_and_are_all_recorded()
    {
        var alpha = new Backend(new Fail(Error(InferenceErrorKind.ProviderDown, "alpha circuit open")));
        var beta = new Backend(new Fail(Error(InferenceErrorKind.RateLimited, "beta limited", status: 429)));
        var gamma = new Backend(new Emit(new Item("done", Out: 1)));

        var (updates, error) = await Drain(Run([Link("alpha", alpha), Link("beta", beta), Link("gamma", gamma)]));

        Assert.Null(error);
        var failovers = updates.Where(u => u.Kind == UpdateKind.Progress).Select(u => u.Progress!).ToList();
        Assert.Equal(2, failovers.Count);
        Assert.All(failovers, p => Assert.Equal("failover", p.Stage));
        Assert.Contains("alpha", failovers[0].Message);
        Assert.Contains("beta", failovers[1].Message);

        var provenance = SingleFinal(updates);
        Assert.Equal("gamma", provenance.Provider);
        Assert.Equal(["alpha", "beta", "gamma"], provenance.Attempts.Select(a => a.Provider));
        Assert.Equal(["skipped", "failed", "ok"], provenance.Attempts.Select(a => a.Outcome));
        Assert.Equal([null, 429, null], provenance.Attempts.Select(a => a.Status));
        Assert.Equal(["alpha circuit open", "beta limited", null], provenance.Attempts.Select(a => a.Error));
    }

    // ---- errors another provider cannot fix -------------------------------------------------

    [Theory]
    [InlineData(InferenceErrorKind.InvalidInput)]
    [InlineData(InferenceErrorKind.Unauthorized)]
    public async Task Bad_input_or_bad_token_ends_the_chain_at_once_with_that_error(InferenceErrorKind kind)
    {
        var thrown = Error(kind, "refused", status: 400);
        var alpha = new Backend(new Fail(thrown));
        var beta = new Backend(new Emit(new Item("never")));

        var (updates, error) = await Drain(Run([Link("alpha", alpha), Link("beta", beta)]));

        Assert.Same(thrown, error);
        Assert.Empty(updates);
        Assert.Equal(1, alpha.Calls);
        Assert.Equal(0, beta.Calls);
    }

    [Fact]
    public async Task Bad_token_on_a_later_link_stops_there_and_reports_every_attempt()
    {
        var alpha = new Backend(new Fail(Error(InferenceErrorKind.ModelUnavailable, "alpha offline", status: 503)));
        var unauthorized = Error(InferenceErrorKind.Unauthorized, "beta says the token is invalid", status: 401);
        var beta = new Backend(new Fail(unauthorized));
        var gamma = new Backend(new Emit(new Item("never")));

        var (_, error) = await Drain(Run([Link("alpha", alpha), Link("beta", beta), Link("gamma", gamma)]));

        Assert.NotNull(error);
        Assert.Equal(InferenceErrorKind.Unauthorized, error.Kind);
        Assert.Equal(401, error.Status);
        Assert.Same(unauthorized, error.InnerException);
        Assert.Equal(0, gamma.Calls);
    }

    // ---- failure after output ---------------------------------------------------------------

    [Fact]
    public async Task A_failure_after_a_partial_ends_the_stream_with_the_error_and_no_failover()
    {
        var first = new Item("one", Out: 1);
        var second = new Item("two", Out: 1);
        var broke = Error(InferenceErrorKind.ModelUnavailable, "alpha dropped the connection", status: 502);
        var alpha = new Backend(new Emit(first), new Hop(), new Emit(second), new Fail(broke));
        var beta = new Backend(new Emit(new Item("never")));

        var (updates, error) = await Drain(Run([Link("alpha", alpha), Link("beta", beta)]));

        Assert.Same(broke, error);
        Assert.All(updates, u => Assert.Equal(UpdateKind.Partial, u.Kind));
        Assert.Equal([first, second], updates.Select(u => u.Partial));
        Assert.Equal(0, beta.Calls);
    }

    // ---- every link fails -------------------------------------------------------------------

    [Fact]
    public async Task Every_link_failing_throws_the_last_error_naming_each_provider()
    {
        var alphaError = Error(InferenceErrorKind.ModelUnavailable, "alpha offline", status: 503);
        var betaError = Error(InferenceErrorKind.PaymentRequired, "beta out of credits", status: 402);
        var gammaError = new InferenceException(InferenceErrorKind.RateLimited, "gamma limited")
        {
            Status = 429,
            RetryAfter = TimeSpan.FromSeconds(30),
            Provider = "gamma-upstream",
        };
        var alpha = new Backend(new Fail(alphaError));
        var beta = new Backend(new Hop(), new Fail(betaError));
        var gamma = new Backend(new Say(new ProgressInfo("load", "Loading")), new Fail(gammaError));

        var (updates, error) = await Drain(Run([Link("alpha", alpha), Link("beta", beta), Link("gamma", gamma)]));

        Assert.NotNull(error);
        Assert.Equal(InferenceErrorKind.RateLimited, error.Kind);
        Assert.Equal(429, error.Status);
        Assert.Equal(TimeSpan.FromSeconds(30), error.RetryAfter);
        Assert.Equal("gamma-upstream", error.Provider);
        Assert.StartsWith("Every provider failed.", error.Message);
        Assert.Contains("alpha: alpha offline", error.Message);
        Assert.Contains("beta: beta out of credits", error.Message);
        Assert.Contains("gamma: gamma limited", error.Message);
        Assert.Same(gammaError, error.InnerException);

        Assert.DoesNotContain(updates, u => u.Kind is UpdateKind.Final or UpdateKind.Partial);
        Assert.Equal(1, alpha.Calls);
        Assert.Equal(1, beta.Calls);
        Assert.Equal(1, gamma.Calls);
    }

    [Fact]
    public async Task A_single_failing_link_throws_its_original_exception_unchanged()
    {
        var original = new InferenceException(InferenceErrorKind.RateLimited, "alpha limited")
        {
            Status = 429,
            RetryAfter = TimeSpan.FromSeconds(5),
            Provider = "alpha",
        };
        var alpha = new Backend(new Fail(original));

        var (updates, error) = await Drain(Run([Link("alpha", alpha)]));

        Assert.Same(original, error);
        Assert.Equal("alpha limited", error!.Message);
        Assert.DoesNotContain(updates, u => u.Kind is UpdateKind.Final or UpdateKind.Partial);
    }

    [Fact]
    public async Task An_empty_chain_throws_model_unavailable()
    {
        var (updates, error) = await Drain(Run([]));

        Assert.Empty(updates);
        Assert.NotNull(error);
        Assert.Equal(InferenceErrorKind.ModelUnavailable, error.Kind);
    }

    // ---- servedBy ---------------------------------------------------------------------------

    [Theory]
    [InlineData("together", "auto → together")]
    [InlineData("auto", "auto")]
    [InlineData(null, "auto")]
    public async Task ServedBy_names_the_provider_the_router_chose_when_it_differs(string? servedBy, string expected)
    {
        var alpha = new Backend(new Emit(new Item("a", ServedBy: servedBy)), new Emit(new Item("b", ServedBy: servedBy)));

        var (updates, error) = await Drain(Run([Link("auto", alpha, "org/model")], servedBy: item => item.ServedBy));

        Assert.Null(error);
        var provenance = SingleFinal(updates);
        Assert.Equal(expected, provenance.Provider);
        Assert.Equal("org/model", provenance.Model);
        Assert.Equal("auto", Assert.Single(provenance.Attempts).Provider);
    }

    [Fact]
    public async Task Without_a_servedBy_function_the_provider_is_the_links()
    {
        var alpha = new Backend(new Emit(new Item("a", ServedBy: "together")));

        var (updates, _) = await Drain(Run([Link("auto", alpha)]));

        Assert.Equal("auto", SingleFinal(updates).Provider);
    }

    // ---- the backend's own final update -----------------------------------------------------

    [Fact]
    public async Task A_backends_own_final_update_is_not_passed_through()
    {
        var own = new Provenance("backend-itself", "backend/model", "TPU", 1, 2, [new Attempt("backend-itself", "ok", 2)]);
        var item = new Item("answer", Out: 4);
        var alpha = new Backend(new Emit(item), new OwnFinal(own));

        var (updates, error) = await Drain(Run([Link("alpha", alpha, "org/model-a", "CPU")]));

        Assert.Null(error);
        Assert.Equal([UpdateKind.Partial, UpdateKind.Final], updates.Select(u => u.Kind));
        Assert.DoesNotContain(updates, u => ReferenceEquals(u.Provenance, own));
        var provenance = SingleFinal(updates);
        Assert.Equal("alpha", provenance.Provider);
        Assert.Equal("org/model-a", provenance.Model);
        Assert.Equal("CPU", provenance.Device);
        Assert.Equal(4, provenance.TokensOut);
    }

    // ---- cancellation -----------------------------------------------------------------------

    /// <summary>
    /// Not a timing assertion: if cancellation never reaches the backend the gate waits forever, and
    /// this turns that hang into a failure. Generous, for a shared and noisy machine.
    /// </summary>
    private const int HangGuardMs = 60_000;

    [Fact(Timeout = HangGuardMs)]
    public async Task Cancelling_while_a_backend_awaits_stops_enumeration_without_failing_over()
    {
        var gate = Gate.Create();
        var first = new Item("before the wait");
        var alpha = new Backend(new Emit(first), gate, new Emit(new Item("never")));
        var beta = new Backend(new Emit(new Item("never")));
        using var cts = new CancellationTokenSource();

        await using var updates = Run([Link("alpha", alpha), Link("beta", beta)], cts.Token).GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync());
        Assert.Equal(first, updates.Current.Partial);

        var moving = updates.MoveNextAsync().AsTask();
        await gate.Entered.Task;
        Assert.False(moving.IsCompleted);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => moving);
        Assert.Equal(0, beta.Calls);
    }

    [Fact(Timeout = HangGuardMs)]
    public async Task Cancelling_through_WithCancellation_also_reaches_the_backend()
    {
        var gate = Gate.Create();
        var alpha = new Backend(gate, new Emit(new Item("never")));
        var beta = new Backend(new Emit(new Item("never")));
        using var cts = new CancellationTokenSource();

        var stream = Run([Link("alpha", alpha), Link("beta", beta)]);
        var consuming = Task.Run(async () =>
        {
            await foreach (var _ in stream.WithCancellation(cts.Token))
            {
            }
        });
        await gate.Entered.Task;
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consuming);
        Assert.Equal(0, beta.Calls);
    }
}
