using Microsoft.Extensions.Hosting;
using WebDemo.Inference.Onnx.Catalog;

namespace WebDemo.Inference.Onnx.Runtime;

/// <summary>
/// At start: chooses the execution provider (so the log says which one at start, not at first
/// use), then preloads the models marked Preload in the background; the app serves meanwhile.
/// </summary>
internal sealed class OnnxRuntimeStartup(OnnxSessionFactory sessions, LocalModelLoader loader) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = sessions.Status; // the factory chooses and logs in its constructor
        return loader.PreloadAsync(stoppingToken);
    }
}
