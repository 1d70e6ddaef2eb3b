using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using WebDemo.Inference.Status;
using WebDemo.Inference.Telemetry;

namespace WebDemo.Hosting;

/// <summary>
/// Where the app's metrics and traces go: by OTLP to the collector that the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> names (over <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>), or nowhere.
/// </summary>
/// <param name="Endpoint">The collector; null when export is off.</param>
/// <param name="Protocol">"grpc" (the SDK's default) or "http/protobuf".</param>
public sealed record OtlpExport(Uri? Endpoint, string Protocol)
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";

    public bool Enabled => Endpoint is not null;

    /// <summary>
    /// Reads the variables (environment, or any configuration source) as the OpenTelemetry SDK
    /// does, but refuses at start what the SDK would quietly replace with its default
    /// (localhost): export goes where it is told, or the app says why not.
    /// </summary>
    public static OtlpExport From(IConfiguration configuration)
    {
        var protocol = configuration[ProtocolVariable]?.Trim() is { Length: > 0 } named ? named : "grpc";
        if (protocol is not ("grpc" or "http/protobuf"))
            throw new InvalidOperationException($"{ProtocolVariable} must be grpc or http/protobuf.");
        if (configuration[EndpointVariable]?.Trim() is not { Length: > 0 } endpoint)
            return new OtlpExport(null, protocol);
        // The value itself stays out of the message: it may carry credentials.
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new InvalidOperationException($"{EndpointVariable} must be an absolute http(s) URL, such as http://localhost:4318.");
        return new OtlpExport(uri, protocol);
    }
}

internal static class OpenTelemetrySetup
{
    public const string ServiceName = "webdemo";

    /// <summary>
    /// Requests left out of traces: the probes, the framework's files, and the long-lived
    /// connections of Blazor circuits and the hub (each task call made over one is a trace of
    /// its own, see <see cref="InferenceTelemetry"/>).
    /// </summary>
    private static readonly string[] UntracedPaths = ["/healthz", "/readyz", "/_blazor", "/_framework", "/_content", "/hubs"];

    /// <summary>
    /// The app's own metrics for the Status page, always; and when <see cref="OtlpExport"/> names
    /// a collector, the OpenTelemetry SDK with ASP.NET Core, HttpClient, runtime and the app's own
    /// metrics and traces, exported there. Without one the SDK is not even registered: nothing is
    /// collected for export, nothing is sent, nothing fails to connect.
    /// </summary>
    public static IServiceCollection AddWebDemoTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var export = OtlpExport.From(configuration);
        services.AddSingleton(export);
        services.AddSingleton<InferenceMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<InferenceMetrics>()); // listens from the start, not from the first visit
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStatusContributor, TelemetryStatus>());
        if (!export.Enabled)
            return services;

        // The exporters read the endpoint, protocol, headers and intervals from the same
        // configuration (OTEL_EXPORTER_OTLP_*, OTEL_METRIC_EXPORT_INTERVAL, OTEL_BSP_*).
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(InferenceTelemetry.Name)
                .AddOtlpExporter())
            .WithTracing(tracing => tracing
                // Spans carry no headers (so no Authorization) and URLs with their query values redacted.
                .AddAspNetCoreInstrumentation(options => options.Filter = http => IsTraced(http.Request.Path))
                .AddHttpClientInstrumentation()
                .AddSource(InferenceTelemetry.Name)
                .AddOtlpExporter());
        return services;
    }

    /// <summary>False for <see cref="UntracedPaths"/> and the static files at the root (<c>/app.css</c>, <c>/favicon.svg</c>).</summary>
    internal static bool IsTraced(PathString path) =>
        !UntracedPaths.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
        && !(path.Value is { } value && value.LastIndexOf('/') == 0 && Path.HasExtension(value));
}
