using MudBlazor.Services;
using WebDemo.Features.Chat;
using WebDemo.Features.TextClassification;

namespace WebDemo.Hosting;

public static class WebDemoRegistration
{
    /// <summary>The web host (UI, SignalR, API errors) and every task feature: the one place that composes them.</summary>
    public static IServiceCollection AddWebDemo(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddSignalR();
        services.AddProblemDetails();
        services.AddHealthChecks();

        services.AddTextClassificationFeature(configuration);
        services.AddChatFeature(configuration);
        return services;
    }
}
