using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebDemo.Inference.Catalogue;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Remote.HuggingFace.Resilience;
using WebDemo.Inference.Status;

namespace WebDemo.Inference.Remote.HuggingFace;

public static class HuggingFaceRouterRegistration
{
    /// <summary>
    /// Hugging Face Inference Providers, the infrastructure every cloud task shares: the router
    /// client, provider mappings, the router's catalogue, per-provider resilience and the Status page section. Each
    /// task's cloud backends add themselves (AddCloud…).
    /// </summary>
    public static IServiceCollection AddHuggingFaceRouter(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(RouterClient)))
            return services;

        services.AddHuggingFaceToken(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<CloudOptions>()
            .Configure(o =>
            {
                if (Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } endpoint)
                    o.HubUrl = endpoint;
            })
            .Bind(configuration.GetSection(CloudOptions.Section))
            .Validate(o => Uri.TryCreate(o.RouterUrl, UriKind.Absolute, out _) && Uri.TryCreate(o.HubUrl, UriKind.Absolute, out _),
                "Cloud:RouterUrl and Cloud:HubUrl must be absolute URLs.")
            .Validate(o => o.CatalogueCacheDuration > TimeSpan.Zero && o.CatalogueTimeout > TimeSpan.Zero,
                "Cloud:CatalogueCacheDuration and Cloud:CatalogueTimeout must be positive.")
            .Validate(o => BillTo.IsValid(o.BillTo),
                "Cloud:BillTo must be a Hugging Face organization's name (letters, digits, '-', '_' and '.'), or unset.")
            .ValidateOnStart();

        // Timeouts belong to the Polly pipelines (per task), not to HttpClient.
        services.AddTransient<RouterHandler>();
        services.AddTransient<BillTo>();
        services.AddHttpClient(RouterClient.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<RouterHandler>()
            .AddHttpMessageHandler(() => new HuggingFaceUserAgent())
            .AddHttpMessageHandler<BillTo>()
            .RedactLoggedHeaders(["Authorization"]);
        // An answer's file URL (a generated image): through the same pipelines, without the token,
        // and redirects only as RouterClient.FetchFileAsync checks them.
        services.AddHttpClient(RouterClient.FilesHttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .AddHttpMessageHandler<RouterHandler>()
            .AddHttpMessageHandler(() => new HuggingFaceUserAgent());
        services.AddHttpClient(ProviderMapping.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15))
            .AddHttpMessageHandler(() => new HuggingFaceUserAgent())
            .RedactLoggedHeaders(["Authorization"]);

        services.AddSingleton<ProviderPipelines>();
        services.AddSingleton<ProviderMapping>();
        services.AddSingleton<RouterClient>();
        // Before any task's TryAdd of NoModelCatalogue, so the router's catalogue is the one used.
        services.AddSingleton<IModelCatalogue, RouterCatalogue>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStatusContributor, CloudStatus>());
        return services;
    }
}
