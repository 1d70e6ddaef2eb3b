using System.Globalization;
using WebDemo.Inference.Status;

namespace WebDemo.Hosting;

/// <summary>
/// The Status page's account of telemetry: whether metrics and traces are exported by OTLP and to
/// which host (never the rest of the endpoint, which may carry credentials), and the app's own
/// metrics since start per task and provider.
/// </summary>
internal sealed class TelemetryStatus(InferenceMetrics metrics, OtlpExport export) : IStatusContributor
{
    public IReadOnlyList<StatusSection> Describe()
    {
        StatusLine exportLine = export.Endpoint is { } endpoint
            ? new("OTLP export:", [new("on", StatusTone.Good)], Id: "otlp-export",
                After: $"metrics and traces to `{endpoint.Authority}` ({export.Protocol}).")
            : new("OTLP export:", [new("off")], Id: "otlp-export",
                Caption: $"Set `{OtlpExport.EndpointVariable}` (and `{OtlpExport.ProtocolVariable}`) to send metrics and traces to a collector.");

        var rows = metrics.Snapshot().Select(s => (IReadOnlyList<StatusCell>)
        [
            s.Task,
            s.Provider,
            new StatusCell([$"{s.Calls} ({s.Succeeded} ok)"]),
            s.Failures.Count == 0 ? "none" : new StatusCell(s.Failures.Select(f => $"{f.Key}: {f.Value}").ToList()),
            s.TimeToFirstResultP50 is { } p50 && s.TimeToFirstResultP95 is { } p95 ? $"{Seconds(p50)} / {Seconds(p95)}" : "—",
            s.MeanOutputTokenRate is { } rate ? rate.ToString("0.0", CultureInfo.InvariantCulture) : "—",
        ]).ToList();

        return
        [
            new StatusSection(40, "Telemetry", "telemetry", [exportLine],
                new StatusTable(["Task", "Provider", "Calls", "Failures", "Time to first result (p50 / p95)", "Output tokens/s (mean)"],
                    rows, "inference-metrics", "No task has run since the app started."), Wide: true),
        ];
    }

    private static string Seconds(double seconds) => seconds < 1
        ? (seconds * 1000).ToString("0", CultureInfo.InvariantCulture) + " ms"
        : seconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
}
