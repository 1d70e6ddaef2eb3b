using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Onnx.Tasks.TextClassification;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests;

/// <summary>The app's own local text-classification registration, pointed at a test hub and a temporary cache.</summary>
public static class OnnxTestServices
{
    public static ServiceProvider Create(string hubUrl, string cacheDir, bool offline = false,
        string modelId = TestPaths.SentimentRepoId, string? token = null, Action<IServiceCollection>? configure = null, bool preload = false) =>
        new TestSettings()
            .Hub(hubUrl, cacheDir, offline)
            .Set("Hub:ReadIdleTimeout", "00:00:05")
            .LocalModel(modelId, preload: preload)
            .Token(token)
            .Services((services, configuration) =>
            {
                services.AddLocalTextClassification(configuration);
                configure?.Invoke(services);
            });
}
