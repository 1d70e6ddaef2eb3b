using Microsoft.Extensions.Diagnostics.HealthChecks;
using WebDemo.Inference.Onnx.Catalog;

namespace WebDemo.Inference.Onnx.Status;

/// <summary>Ready once every model marked Preload is loaded (the readiness probe, /readyz).</summary>
internal sealed class LocalModelsHealthCheck(LocalModelLoader loader) : IHealthCheck
{
    public const string ReadyTag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(loader.NotYetPreloaded is { Count: > 0 } waiting
            ? HealthCheckResult.Unhealthy($"Still loading: {string.Join(", ", waiting)}.")
            : HealthCheckResult.Healthy());
}
