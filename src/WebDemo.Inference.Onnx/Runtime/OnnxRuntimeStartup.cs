using Microsoft.Extensions.Hosting;

namespace WebDemo.Inference.Onnx.Runtime;

/// <summary>Chooses the execution provider when the app starts, so the log says which one at start, not at first use.</summary>
internal sealed class OnnxRuntimeStartup(OnnxSessionFactory sessions) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = sessions.Status; // the factory chooses and logs in its constructor
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
