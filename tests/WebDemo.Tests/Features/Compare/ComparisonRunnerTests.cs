using Microsoft.Extensions.Options;
using WebDemo.Features.Compare;
using WebDemo.Hosting;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;

namespace WebDemo.Tests.Features.Compare;

/// <summary>The comparison runner on a scripted task: warm-up and cold runs, concurrency, failures by kind, Stop, and the limits.</summary>
public sealed class ComparisonRunnerTests
{
    private static CompareSettings Settings(int runs = 4, int concurrency = 2, int warmup = 1, params CompareTargetSetting[] targets) =>
        new("scripted", "org/model", targets.Length > 0 ? targets : [new("auto", "org/model"), new("local", "tiny")], runs, concurrency, warmup, "hello");

    private static ComparisonRunner Runner(ScriptedTask task, CompareOptions? options = null, string? operatorToken = null) =>
        new([task], Options.Create(options ?? new CompareOptions()), Options.Create(new OperatorOptions { Token = operatorToken }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ComparisonRunner>.Instance);

    [Fact]
    public async Task Each_target_runs_its_warmup_then_its_runs_at_the_chosen_concurrency_one_target_after_another()
    {
        var task = new ScriptedTask { Delay = TimeSpan.FromMilliseconds(30) };
        var results = new List<RunResult>();

        await Runner(task).RunAsync(Settings(runs: 6, concurrency: 3, warmup: 2), "browser", r => { lock (results) results.Add(r); }, default);

        Assert.Equal(16, results.Count);
        Assert.Equal(3, task.MostInFlight);
        var auto = results.Where(r => r.Target == "auto").OrderBy(r => r.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, 8), auto.Select(r => r.Sequence));
        Assert.Equal([true, true, false, false, false, false, false, false], auto.Select(r => r.Warmup));
        Assert.Equal([true, false, false, false, false, false, false, false], auto.Select(r => r.Cold));
        Assert.All(results, r => Assert.Equal(("ok", "served-by-" + (r.Target == "auto" ? "auto" : "local")), (r.Outcome, r.ServedBy)));
        Assert.All(results, r => Assert.InRange(r.FirstResultMs!.Value, 0, r.TotalMs));
        // Targets one after another: every local run started after the last auto run ended.
        Assert.True(results.Where(r => r.Target == "local · tiny").Min(r => r.StartedMs) >= auto.Max(r => r.StartedMs + r.TotalMs) - 1);
        Assert.Equal(["auto", "local"], task.Providers.Distinct());
    }

    [Fact]
    public async Task Runs_send_the_prompt_or_cycle_through_the_tasks_examples()
    {
        var own = new ScriptedTask();
        var examples = new ScriptedTask();

        await Runner(own).RunAsync(Settings(runs: 2, concurrency: 1, warmup: 1), "browser", _ => { }, default);
        await Runner(examples).RunAsync(Settings(runs: 4, concurrency: 1, warmup: 1, targets: [new("local", "tiny")]) with { UseExamples = true, Prompt = "" },
            "browser", _ => { }, default);

        Assert.All(own.Prompts, prompt => Assert.Equal("hello", prompt));
        Assert.Equal(["first example", "second example", "third example", "first example", "second example"], examples.Prompts);
    }

    [Fact]
    public async Task Without_warmup_the_first_measured_run_is_the_cold_one_and_failures_keep_their_kind()
    {
        var task = new ScriptedTask { Fail = (provider, call) => provider == "auto" && call % 2 == 0 ? InferenceErrorKind.RateLimited : null };
        var results = new List<RunResult>();

        await Runner(task).RunAsync(Settings(runs: 4, concurrency: 1, warmup: 0), "browser", results.Add, default);

        var auto = results.Where(r => r.Target == "auto").ToList();
        Assert.True(auto[0].Cold);
        Assert.Equal(2, auto.Count(r => r is { Failed: true, ErrorKind: "RateLimited", Error: "scripted failure" }));
        Assert.Equal(2, TargetSummary.Of("auto", results).FailuresByKind["RateLimited"]);
    }

    [Fact]
    public async Task A_run_that_fails_unexpectedly_is_one_failed_run_and_the_comparison_goes_on()
    {
        var task = new ScriptedTask { Crash = call => call == 2 };
        var results = new List<RunResult>();

        await Runner(task).RunAsync(Settings(runs: 3, concurrency: 1, warmup: 0), "browser", results.Add, default);

        Assert.Equal(6, results.Count);
        var crashed = Assert.Single(results, r => r.Failed);
        Assert.Equal(("BackendFailed", "The run failed unexpectedly; the server's log has the details."), (crashed.ErrorKind, crashed.Error));
    }

    [Fact]
    public async Task Stop_cancels_the_runs_in_flight_starts_no_more_and_keeps_what_finished()
    {
        // The third call is slow, so it is certainly in flight when the third result (the fourth call's) stops the comparison.
        var task = new ScriptedTask { DelayOf = call => call == 3 ? TimeSpan.FromSeconds(60) : TimeSpan.FromMilliseconds(50) };
        using var stop = new CancellationTokenSource();
        var results = new List<RunResult>();

        await Runner(task).RunAsync(Settings(runs: 20, concurrency: 2, warmup: 1), "browser", r =>
        {
            lock (results)
            {
                results.Add(r);
                if (results.Count == 3)
                    stop.Cancel();
            }
        }, stop.Token);

        Assert.Equal(3, results.Count(r => r.Ok));
        Assert.InRange(results.Count(r => r.Outcome == "cancelled"), 1, 2);
        Assert.DoesNotContain(results, r => r.Target != "auto");
        Assert.True(task.Calls < 8);
    }

    [Theory]
    [InlineData(60, 1, "Runs must be 1 to 50.")]
    [InlineData(10, 9, "Concurrency must be 1 to 8.")]
    [InlineData(50, 8, "Runs × concurrency may be at most 200 (50 × 8 = 400).")]
    public void Settings_past_the_limits_are_refused_in_words(int runs, int concurrency, string expected) =>
        Assert.Equal(expected, Runner(new ScriptedTask()).Refusal(Settings(runs, concurrency)));

    [Fact]
    public void Empty_duplicate_or_unknown_settings_are_refused()
    {
        var runner = Runner(new ScriptedTask());
        Assert.Equal("Choose at least one target.", runner.Refusal(Settings() with { Targets = [] }));
        Assert.Equal("A target is listed twice.", runner.Refusal(Settings() with { Targets = [new("auto", "m"), new("auto", "m")] }));
        Assert.Equal("Enter a prompt, or use the task's examples.", runner.Refusal(Settings() with { Prompt = " \n" }));
        Assert.Null(runner.Refusal(Settings() with { Prompt = "", UseExamples = true }));
        Assert.Equal("Unknown task 'nope'.", runner.Refusal(Settings() with { Task = "nope" }));
        Assert.StartsWith("The prompt has 4,001 characters", runner.Refusal(Settings() with { Prompt = new string('x', 4001) }));
        Assert.Null(runner.Refusal(Settings()));
    }

    [Fact]
    public void When_the_operator_asks_cloud_targets_want_the_operator_token_and_local_ones_never()
    {
        var guarded = new CompareOptions { RequireOperatorTokenForCloud = true };
        var cloud = Settings();
        var local = Settings(targets: [new("local", "tiny")]);
        const string token = "op_compare_operator_token_1234";

        Assert.Null(Runner(new ScriptedTask(), new CompareOptions(), token).OperatorRefusal(cloud, null)); // off by default
        Assert.Null(Runner(new ScriptedTask(), guarded, token).OperatorRefusal(local, null));
        Assert.Null(Runner(new ScriptedTask(), guarded, token).OperatorRefusal(cloud, " " + token + " "));
        Assert.StartsWith("Cloud comparisons want the app's operator token", Runner(new ScriptedTask(), guarded, token).OperatorRefusal(cloud, "op_wrong"));
        Assert.StartsWith("Cloud comparisons want", Runner(new ScriptedTask(), guarded, token).OperatorRefusal(cloud, null));
        Assert.StartsWith("The operator allows cloud comparisons with the operator token only, and has set none",
            Runner(new ScriptedTask(), guarded, operatorToken: null).OperatorRefusal(cloud, "anything"));
    }

    [Fact]
    public async Task One_comparison_per_client_and_at_most_the_configured_number_on_the_server()
    {
        var task = new ScriptedTask { Delay = TimeSpan.FromMilliseconds(300) };
        var runner = Runner(task, new CompareOptions { MaxRunning = 2 });
        var first = runner.RunAsync(Settings(runs: 2, concurrency: 1, warmup: 0), "a", _ => { }, default);

        var again = await Assert.ThrowsAsync<InferenceException>(() => runner.RunAsync(Settings(), "a", _ => { }, default));
        var second = runner.RunAsync(Settings(runs: 2, concurrency: 1, warmup: 0), "b", _ => { }, default);
        var full = await Assert.ThrowsAsync<InferenceException>(() => runner.RunAsync(Settings(), "c", _ => { }, default));
        await Task.WhenAll(first, second);

        Assert.Equal(InferenceErrorKind.Busy, again.Kind);
        Assert.Contains("already running", again.Message);
        Assert.Equal(InferenceErrorKind.Busy, full.Kind);
        Assert.Contains("already runs 2 comparisons", full.Message);
        await runner.RunAsync(Settings(runs: 1, concurrency: 1, warmup: 0), "a", _ => { }, default); // free again once done
    }

    /// <summary>A task whose calls wait <see cref="Delay"/>, answer one partial and a provenance naming "served-by-{provider}", or fail as scripted.</summary>
    private sealed class ScriptedTask : ComparedTask
    {
        private int _inFlight;
        private int _calls;

        public TimeSpan Delay { get; init; } = TimeSpan.FromMilliseconds(1);
        /// <summary>A delay per call (numbered from 1), instead of <see cref="Delay"/>.</summary>
        public Func<int, TimeSpan>? DelayOf { get; init; }
        public Func<string, int, InferenceErrorKind?> Fail { get; init; } = (_, _) => null;
        public Func<int, bool> Crash { get; init; } = _ => false;
        public int MostInFlight { get; private set; }
        public int Calls => _calls;
        public List<string> Providers { get; } = [];

        public override string Key => "scripted";
        public override string Title => "Scripted";
        public override IInferenceTask Service => throw new NotSupportedException();
        public override IReadOnlyList<string> Examples => ["first example", "second example", "third example"];
        public List<string> Prompts { get; } = [];

        public override async Task<(double? FirstResultMs, Provenance Provenance)> RunAsync(CompareTarget target, CompareSettings settings, string prompt,
            CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            lock (Providers)
            {
                Providers.Add(target.Provider);
                Prompts.Add(prompt);
                MostInFlight = Math.Max(MostInFlight, ++_inFlight);
            }
            try
            {
                await Task.Delay(DelayOf?.Invoke(call) ?? Delay, cancellationToken);
                if (Crash(call))
                    throw new InvalidOperationException("a bug no task foresaw");
                if (Fail(target.Provider, call) is { } kind)
                    throw new InferenceException(kind, "scripted failure");
                return (Delay.TotalMilliseconds / 2,
                    new Provenance("served-by-" + target.Provider, target.Model, null, 1, Delay.TotalMilliseconds, [], TokensOut: 5));
            }
            finally
            {
                lock (Providers)
                    _inFlight--;
            }
        }
    }
}
