using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Onnx.Status;
using WebDemo.Inference.Status;

namespace WebDemo.Inference.Onnx;

public static class OnnxRegistration
{
    /// <summary>
    /// Local ONNX inference, the infrastructure every local task shares: the hub-cache model
    /// store, the session factory (its execution provider chosen at start), the model loader and
    /// its Status page section. Each task's local backend adds itself (AddLocal…).
    /// </summary>
    public static IServiceCollection AddOnnxInference(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(LocalModelLoader)))
            return services;

        services.AddHuggingFaceToken(configuration);
        services.AddOptions<HubOptions>()
            .Configure(o => o.ApplyEnvironment(Environment.GetEnvironmentVariable))
            .Bind(configuration.GetSection(HubOptions.Section));
        services.AddOptions<OnnxRuntimeOptions>().Bind(configuration.GetSection(OnnxRuntimeOptions.Section))
            .Validate(o => o.BatchSize >= 1, "Onnx:BatchSize must be at least 1.")
            .Validate(o => o.BatchMaxWaitMs is >= 0 and <= 10_000, "Onnx:BatchMaxWaitMs must be between 0 and 10000.")
            .Validate(o => o.BatchMaxPadding >= 0, "Onnx:BatchMaxPadding must be 0 or more.")
            .Validate(o => OnnxRuntimeOptions.ExecutionProviders.Contains(o.ExecutionProvider?.Trim(), StringComparer.OrdinalIgnoreCase),
                "Onnx:ExecutionProvider must be auto, cpu or cuda.")
            .Validate(o => o.CudaDeviceId >= 0, "Onnx:CudaDeviceId must be 0 or more.")
            .Validate(o => o.TextToTextMaxBatch >= 1, "Onnx:TextToTextMaxBatch must be 1 or more (1: no batching).")
            .Validate(o => o.PromptLookupTokens is >= 0 and <= 64, "Onnx:PromptLookupTokens must be from 0 (off) to 64.")
            .Validate(o => OnnxRuntimeOptions.GraphOptimizationLevels.ContainsKey(o.GraphOptimizationLevel ?? ""),
                "Onnx:GraphOptimizationLevel must be all, extended, basic or disabled.")
            .Validate(o => OnnxRuntimeOptions.CudaArenaExtendStrategies.Contains(o.CudaArenaExtendStrategy, StringComparer.OrdinalIgnoreCase),
                "Onnx:CudaArenaExtendStrategy must be kNextPowerOfTwo or kSameAsRequested.")
            .Validate(o => OnnxRuntimeOptions.CudnnConvAlgoSearches.Contains(o.CudnnConvAlgoSearch, StringComparer.OrdinalIgnoreCase),
                "Onnx:CudnnConvAlgoSearch must be EXHAUSTIVE, HEURISTIC or DEFAULT.")
            .ValidateOnStart();
        services.AddOptions<LocalModelOptions>().Bind(configuration.GetSection(LocalModelOptions.Section))
            .Validate(o => o.Models.All(m => m.Id.Length > 0 && m.Task.Length > 0), "Each LocalModels:Models entry needs an Id and a Task.")
            .Validate(o => o.Models.All(m => m.HasKnownDtype), "LocalModels has an entry with an unknown dtype; use fp32, fp16, q8, int8, uint8, q4, q4f16 or bnb4.")
            .ValidateOnStart();

        services.AddHttpClient(HubModelStore.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // The resolve response carries the commit and ETag; a redirect would lose them.
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(15),
            })
            .AddHttpMessageHandler(() => new HuggingFaceUserAgent())
            .RedactLoggedHeaders(["Authorization"]);

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<HubModelStore>();
        services.AddSingleton<OnnxSessionFactory>();
        services.AddSingleton<LocalModelLoader>();
        services.AddHostedService<OnnxRuntimeStartup>();
        services.AddHealthChecks()
            .AddCheck<LocalModelsHealthCheck>("local-models", tags: [LocalModelsHealthCheck.ReadyTag])
            .AddCheck<ExecutionProviderHealthCheck>("execution-provider", tags: [LocalModelsHealthCheck.ReadyTag]);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStatusContributor, LocalInferenceStatus>());
        return services;
    }
}
