using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Pipelines;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Onnx;

public static class OnnxServiceCollectionExtensions
{
    /// <summary>Local ONNX inference: the hub-cache model store, the session factory and the local backends.</summary>
    public static IServiceCollection AddOnnxInference(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HubOptions>()
            .Configure(o => o.ApplyEnvironment(Environment.GetEnvironmentVariable))
            .Bind(configuration.GetSection(HubOptions.Section));
        services.AddOptions<OnnxRuntimeOptions>().Bind(configuration.GetSection(OnnxRuntimeOptions.Section));
        services.AddOptions<LocalModelOptions>().Bind(configuration.GetSection(LocalModelOptions.Section))
            .Validate(o => o.Models.All(m => !string.IsNullOrWhiteSpace(m.OnnxFile)), "LocalModels has an entry with an unknown dtype.")
            .ValidateOnStart();

        services.AddHttpClient(HubModelStore.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // The resolve response carries the commit and ETag; a redirect would lose them.
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(15),
            })
            .RedactLoggedHeaders(["Authorization"]);

        services.AddSingleton<HubModelStore>();
        services.AddSingleton<OnnxSessionFactory>();
        services.AddSingleton<LocalModelLoader>();
        services.AddSingleton<ITextClassificationBackend, LocalTextClassificationBackend>();
        return services;
    }
}
