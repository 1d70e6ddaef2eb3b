using MudBlazor.Services;
using WebDemo.Features.Chat;
using WebDemo.Features.Compare;
using WebDemo.Features.Summarization;
using WebDemo.Features.Translation;
using WebDemo.Features.Flagging;
using WebDemo.Features.TextClassification;
using WebDemo.Features.TextToImage;
using WebDemo.Features.Usage;
using WebDemo.Hubs;

namespace WebDemo.Hosting;

public static class WebDemoRegistration
{
    /// <summary>The web host (UI, SignalR, API errors, health) and every task feature: the one place that composes them.</summary>
    public static IServiceCollection AddWebDemo(this IServiceCollection services, IConfiguration configuration)
    {
        var blazor = services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddInputLimits(blazor);
        services.AddProblemDetails();
        services.AddHealthChecks();
        services.AddForwardedHeadersFromProxy(configuration);
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section))
            .Validate(o => o.PermitsPerWindow > 0 && o.Window > TimeSpan.Zero, "RateLimits:PermitsPerWindow and Window must be positive.")
            .ValidateOnStart();
        services.AddSingleton<ClientRateLimits>();
        services.AddScoped<PageAdmission>();
        services.AddWebDemoTelemetry(configuration);
        services.AddScoped<BrowserIdentity>();
        services.AddOperatorAccess(configuration);
        services.AddOpenAIApiAccess(configuration);
        // The hub logs its calls' errors itself, each at its level (see InferenceHub).
        services.Configure<LoggerFilterOptions>(filters => filters.AddFilter(InferenceHub.DispatcherLogCategory, LogLevel.Critical));

        services.AddTextClassificationFeature(configuration);
        services.AddSummarizationFeature(configuration);
        services.AddTranslationFeature(configuration);
        services.AddChatFeature(configuration);
        services.AddTextToImageFeature(configuration);
        services.AddFlaggingFeature(configuration);
        services.AddUsageFeature(configuration);
        services.AddCompareFeature(configuration); // after the tasks it measures
        return services;
    }
}
