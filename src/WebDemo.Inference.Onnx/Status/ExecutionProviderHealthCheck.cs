using Microsoft.Extensions.Diagnostics.HealthChecks;
using WebDemo.Inference.Onnx.Runtime;

namespace WebDemo.Inference.Onnx.Status;

/// <summary>
/// Part of the readiness probe (/readyz): with Onnx:ExecutionProvider=cuda (CUDA required) the app
/// is not ready while the models run on CPU, and says why. With auto, CPU is fine, and says why.
/// </summary>
internal sealed class ExecutionProviderHealthCheck(OnnxSessionFactory sessions) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = sessions.Status;
        return Task.FromResult(status.RequiredCudaMissing
            ? HealthCheckResult.Unhealthy(status.Reason)
            : HealthCheckResult.Healthy($"{status.Active}: {status.Reason}"));
    }
}
