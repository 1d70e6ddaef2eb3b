using MudBlazor.Services;
using WebDemo.Inference.Configuration;
using WebDemo.Inference.Onnx;
using WebDemo.Inference.Remote;
using WebDemo.Inference.Tasks.Chat;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Hosting;

public static class WebDemoServices
{
    /// <summary>Everything the web host needs: UI, API error shape, tasks and backends.</summary>
    public static IServiceCollection AddWebDemo(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddSignalR();
        services.AddProblemDetails();

        // The token: environment and token file first, then configuration (user-secrets in Development).
        services.AddSingleton(_ => HuggingFaceToken.FromEnvironment(configuration["HuggingFace:Token"]));

        services.AddOptions<TextClassificationOptions>().Bind(configuration.GetSection(TextClassificationOptions.Section));
        services.AddSingleton<TextClassificationService>();
        services.AddSingleton<ChatService>();
        services.AddOnnxInference(configuration);
        services.AddCloudInference(configuration);
        return services;
    }
}
