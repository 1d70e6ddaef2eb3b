using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using WebDemo.Hosting;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Telemetry;

namespace WebDemo.Tests.Hosting;

/// <summary>
/// The Status page's telemetry: <see cref="InferenceMetrics"/> sums what the app's meter records,
/// per task and provider, in bounded memory; <see cref="TelemetryStatus"/> lays it out; and which
/// requests the traces leave out.
/// </summary>
public sealed class InferenceMetricsTests : IDisposable
{
    // The meter is the process's: a task name of this test's own keeps other tests' calls out of its figures.
    private readonly string _task = "metrics-" + Guid.NewGuid().ToString("N")[..8];
    private readonly InferenceMetrics _metrics = new();

    public InferenceMetricsTests() => _metrics.StartAsync(CancellationToken.None).GetAwaiter().GetResult();

    public void Dispose() => _metrics.Dispose();

    private void Attempt(string provider, Action<InferenceTelemetry.Attempt> outcome)
    {
        using var call = InferenceTelemetry.StartCall(_task);
        using var attempt = InferenceTelemetry.StartAttempt(call, _task, provider, "org/model", "CPU");
        outcome(attempt);
    }

    private InferenceSeries Series(string provider) => Assert.Single(_metrics.Snapshot(), s => s.Task == _task && s.Provider == provider);

    [Fact]
    public void Attempts_failures_by_kind_time_to_first_result_and_token_rate_are_summed_per_task_and_provider()
    {
        Attempt("alpha", a => { a.FirstResult(); a.Succeeded(3, 20); });
        Attempt("alpha", a => { a.FirstResult(); a.Succeeded(3, 0); }); // no output tokens: no rate
        Attempt("alpha", a => a.Failed(InferenceErrorKind.RateLimited));
        Attempt("alpha", a => a.Failed(InferenceErrorKind.RateLimited));
        Attempt("alpha", a => a.Failed(InferenceErrorKind.TimedOut));
        Attempt("beta", a => a.Failed(InferenceErrorKind.ProviderDown));
        Attempt("beta", _ => { }); // cancelled

        var alpha = Series("alpha");
        Assert.Equal(5, alpha.Calls);
        Assert.Equal(2, alpha.Succeeded);
        Assert.Equal([new("RateLimited", 2), new("TimedOut", 1)], alpha.Failures);
        Assert.NotNull(alpha.TimeToFirstResultP50);
        Assert.True(alpha.TimeToFirstResultP95 >= alpha.TimeToFirstResultP50);
        Assert.True(alpha.MeanOutputTokenRate > 0);
        var beta = Series("beta");
        Assert.Equal(2, beta.Calls);
        Assert.Equal(0, beta.Succeeded);
        Assert.Equal([new("ProviderDown", 1)], beta.Failures);
        Assert.Null(beta.TimeToFirstResultP50);
        Assert.Null(beta.MeanOutputTokenRate);
    }

    [Fact]
    public void The_Status_section_shows_each_series_and_that_export_is_off()
    {
        Attempt("alpha", a => { a.FirstResult(); a.Succeeded(1, 4); });
        Attempt("alpha", a => a.Failed(InferenceErrorKind.BackendFailed));

        var section = Assert.Single(new TelemetryStatus(_metrics, new OtlpExport(null, "grpc")).Describe());

        Assert.Equal("telemetry", section.Id);
        var export = Assert.Single(section.Lines, l => l.Id == "otlp-export");
        Assert.Equal("off", Assert.Single(export.Chips!).Text);
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", export.Caption);
        var row = Assert.Single(section.Table!.Rows, r => r[0].Lines.Single() == _task);
        Assert.Equal(["alpha", "2 (1 ok)", "BackendFailed: 1"], row.Skip(1).Take(3).Select(c => string.Join(" ", c.Lines)));
        Assert.Matches(@"^\d+ ms / \d+ ms$", row[4].Lines.Single());
        Assert.Matches(@"^\d+\.\d$", row[5].Lines.Single());
    }

    [Fact]
    public void An_export_shows_the_collectors_host_only()
    {
        var export = new OtlpExport(new Uri("https://user:secret@collector.example:4318/otlp?key=abc"), "http/protobuf");

        var line = Assert.Single(Assert.Single(new TelemetryStatus(_metrics, export).Describe()).Lines, l => l.Id == "otlp-export");

        Assert.Equal("on", Assert.Single(line.Chips!).Text);
        Assert.Contains("`collector.example:4318` (http/protobuf)", line.After);
        Assert.DoesNotContain("secret", line.After);
        Assert.DoesNotContain("key=abc", line.After);
    }

    [Fact]
    public void Quantiles_of_the_log_buckets_are_within_five_percent()
    {
        var buckets = new InferenceMetrics.LogBuckets();
        Assert.Null(buckets.Quantile(0.5));
        for (var ms = 1; ms <= 1000; ms++)
            buckets.Add(ms / 1000.0);

        Assert.Equal(0.500, buckets.Quantile(0.50)!.Value, 0.025);
        Assert.Equal(0.950, buckets.Quantile(0.95)!.Value, 0.048);
        buckets.Add(0.000_01);
        buckets.Add(100_000);
        Assert.Equal(0.001, buckets.Quantile(0)!.Value); // below the first bucket
        Assert.InRange(buckets.Quantile(1)!.Value, 1000, 1200); // beyond the last
    }

    [Theory]
    [InlineData("/v1/chat/completions", true)]
    [InlineData("/models/org/Qwen2.5-0.5B", true)] // a dot in a model id is no file
    [InlineData("/status", true)]
    [InlineData("/healthz", false)]
    [InlineData("/readyz", false)]
    [InlineData("/_blazor", false)]
    [InlineData("/_blazor/negotiate", false)]
    [InlineData("/hubs/inference", false)]
    [InlineData("/_framework/blazor.web.js", false)]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css", false)]
    [InlineData("/app.css", false)]
    [InlineData("/favicon.svg", false)]
    public void Traces_leave_out_probes_connections_and_static_files(string path, bool traced) =>
        Assert.Equal(traced, OpenTelemetrySetup.IsTraced(new PathString(path)));

    [Theory]
    [InlineData(null, null, false, "grpc")]
    [InlineData("http://collector:4318", "http/protobuf", true, "http/protobuf")]
    [InlineData("https://collector", null, true, "grpc")]
    public void The_endpoint_and_protocol_are_read_as_the_SDK_reads_them(string? endpoint, string? protocol, bool enabled, string used)
    {
        var export = OtlpExport.From(Configuration(endpoint, protocol));

        Assert.Equal(enabled, export.Enabled);
        Assert.Equal(used, export.Protocol);
    }

    [Theory]
    [InlineData("collector:4318", null)] // no scheme: the SDK would quietly send to localhost instead
    [InlineData("ftp://collector", null)]
    [InlineData("http://collector:4318", "http/json")]
    public void An_endpoint_or_protocol_the_SDK_cannot_use_stops_the_app_without_echoing_it(string endpoint, string? protocol)
    {
        var error = Assert.Throws<InvalidOperationException>(() => OtlpExport.From(Configuration(endpoint, protocol)));

        Assert.DoesNotContain(endpoint, error.Message);
    }

    private static IConfiguration Configuration(string? endpoint, string? protocol) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [OtlpExport.EndpointVariable] = endpoint,
            [OtlpExport.ProtocolVariable] = protocol,
        }).Build();
}
