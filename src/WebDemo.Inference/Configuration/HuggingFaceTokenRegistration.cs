using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace WebDemo.Inference.Configuration;

public static class HuggingFaceTokenRegistration
{
    /// <summary>
    /// The Hugging Face token, found as the HF clients find it, then <c>HuggingFace:Token</c>
    /// from configuration (user-secrets in Development). Only if none is registered yet, so a
    /// host or a test can register its own. With it, the rule for sending it to a Hub
    /// (<see cref="HubAuthorization"/>, <c>HuggingFace:TrustHubMirror</c>, default false).
    /// </summary>
    public static IServiceCollection AddHuggingFaceToken(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => HuggingFaceToken.FromEnvironment(configuration["HuggingFace:Token"]));
        services.TryAddSingleton(sp => new HubAuthorization(sp.GetRequiredService<HuggingFaceToken>(),
            sp.GetRequiredService<ILogger<HubAuthorization>>(), configuration.GetValue<bool>(HubAuthorization.TrustMirrorSetting)));
        return services;
    }
}
