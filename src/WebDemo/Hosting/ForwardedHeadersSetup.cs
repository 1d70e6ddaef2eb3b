using Microsoft.AspNetCore.HttpOverrides;

namespace WebDemo.Hosting;

/// <summary>Settings of the web host itself (section "Hosting").</summary>
public sealed class HostingOptions
{
    public const string Section = "Hosting";

    /// <summary>
    /// Trust <c>X-Forwarded-For/-Proto/-Host</c> from any sender: right behind a proxy that is the
    /// only way in (a Hugging Face Space, where the Docker image turns it on), so links and API
    /// snippets show the public https URL; wrong on a server reached directly, where anyone could
    /// claim another address. Off by default.
    /// </summary>
    public bool TrustForwardedHeaders { get; set; }
}

internal static class ForwardedHeadersSetup
{
    public static IServiceCollection AddForwardedHeadersFromProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HostingOptions>().Bind(configuration.GetSection(HostingOptions.Section));
        services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // The proxy's address is not known in advance (Spaces): trust the headers from any sender, as configured.
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
        });
        return services;
    }

    public static IApplicationBuilder UseForwardedHeadersFromProxy(this IApplicationBuilder app, IConfiguration configuration)
    {
        if (configuration.GetSection(HostingOptions.Section).Get<HostingOptions>()?.TrustForwardedHeaders == true)
            app.UseForwardedHeaders();
        return app;
    }
}
