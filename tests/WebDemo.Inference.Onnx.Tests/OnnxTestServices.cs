using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Configuration;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests;

/// <summary>The app's own ONNX registration, pointed at a test hub and a temporary cache.</summary>
public static class OnnxTestServices
{
    public static ServiceProvider Create(string hubUrl, string cacheDir, bool offline = false,
        string modelId = TestPaths.SentimentRepoId, string? token = null, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hub:Endpoint"] = hubUrl,
            ["Hub:CacheDirectory"] = cacheDir,
            ["Hub:Offline"] = offline ? "true" : "false",
            ["Hub:ReadIdleTimeout"] = "00:00:05",
            ["LocalModels:Models:0:Id"] = modelId,
            ["LocalModels:Models:0:Dtype"] = "fp32",
            ["Onnx:ExecutionProvider"] = "cpu",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(new HuggingFaceToken(name => name == "HF_TOKEN" ? token : null));
        services.AddOnnxInference(configuration);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
