using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Remote.HuggingFace;
using WebDemo.Inference.Remote.HuggingFace.Resilience;
using WebDemo.Inference.Routing;

namespace WebDemo.Inference.Remote.OpenAICompatible;

public static partial class OpenAICompatibleRegistration
{
    /// <summary>
    /// The operator's OpenAI-compatible servers (section "OpenAICompatible", validated at start), on
    /// an HTTP client with the router's resilience (<see cref="RouterHandler"/>) and the Authorization header redacted in logs.
    /// </summary>
    public static IServiceCollection AddOpenAICompatibleServers(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(OpenAICompatibleServers)))
            return services;
        services.AddHuggingFaceRouter(configuration); // its pipelines, handler and options serve these servers too
        services.AddOptions<OpenAICompatibleOptions>().Bind(configuration.GetSection(OpenAICompatibleOptions.Section))
            .Validate(o => o.Servers.All(s => ServerName().IsMatch(s.Name)),
                "Each OpenAICompatible:Servers entry needs a Name of lower-case letters, digits and dashes (\"ollama\").")
            .Validate(o => o.Servers.All(s => s.Name is not (ProviderNames.Local or ProviderNames.Auto) && !InferenceProviders.Routed.Contains(s.Name)),
                "An OpenAICompatible:Servers Name may not be local, auto or a Hugging Face provider's name.")
            .Validate(o => o.Servers.Select(s => s.Name).Distinct().Count() == o.Servers.Count, "OpenAICompatible:Servers names must be unique.")
            .Validate(o => o.Servers.All(s => Uri.TryCreate(s.BaseUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"),
                "Each OpenAICompatible:Servers entry needs a BaseUrl: an absolute http(s) URL ending in /v1 (http://localhost:11434/v1).")
            .Validate(o => o.ModelListTimeout > TimeSpan.Zero, "OpenAICompatible:ModelListTimeout must be positive.")
            .ValidateOnStart();
        // Timeouts belong to the Polly pipelines and the stream budgets, not to HttpClient.
        services.AddHttpClient(OpenAICompatibleServers.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<RouterHandler>()
            .RedactLoggedHeaders(["Authorization"]);
        services.AddSingleton<OpenAICompatibleServers>();
        services.AddHostedService<OpenAICompatibleWarmup>();
        return services;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex ServerName();
}
