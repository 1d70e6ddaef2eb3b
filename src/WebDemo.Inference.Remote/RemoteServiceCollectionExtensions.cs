using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Remote.Resilience;
using WebDemo.Inference.Routing;
using WebDemo.Inference.Tasks.Chat;

namespace WebDemo.Inference.Remote;

public static class RemoteServiceCollectionExtensions
{
    /// <summary>Hugging Face Inference Providers: the router client, provider mappings and per-provider resilience.</summary>
    public static IServiceCollection AddCloudInference(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CloudOptions>()
            .Configure(o =>
            {
                if (Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } endpoint)
                    o.HubUrl = endpoint;
            })
            .Bind(configuration.GetSection(CloudOptions.Section));
        services.TryAddSingleton(TimeProvider.System);

        // Timeouts belong to the Polly pipelines (per task), not to HttpClient.
        services.AddTransient<RouterHandler>();
        services.AddHttpClient(HfTaskClient.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<RouterHandler>()
            .RedactLoggedHeaders(["Authorization"]);
        services.AddHttpClient(ProviderMapping.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15))
            .RedactLoggedHeaders(["Authorization"]);

        services.AddHttpClient(TextToImageClient.DownloadClientName, c => c.Timeout = TimeSpan.FromSeconds(60))
            .ConfigurePrimaryHttpMessageHandler(sp => TextToImageClient.GuardedHandler(
                sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<CloudOptions>>().Value.AllowPrivateImageUrls));

        services.AddSingleton<ProviderPipelines>();
        services.AddSingleton<HfTaskShapes>();
        services.AddSingleton<TextToImageClient>();
        services.AddSingleton<ProviderMapping>();
        services.AddSingleton<HfTaskClient>();
        services.AddOptions<ChatTaskOptions>().Bind(configuration.GetSection(ChatTaskOptions.Section));
        services.AddSingleton<HuggingFaceCloud>();
        services.AddSingleton<ICloudInference>(sp => sp.GetRequiredService<HuggingFaceCloud>());
        services.AddSingleton<ICloudChat>(sp => sp.GetRequiredService<HuggingFaceCloud>());
        return services;
    }
}
