using Microsoft.Extensions.Diagnostics.HealthChecks;
using WebDemo.Api;
using WebDemo.Components;
using WebDemo.Hosting;
using WebDemo.Hubs;

// The content root is the output folder: appsettings*.json are copied there, so `dotnet run`,
// the published app and the Docker image read configuration from the same place.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});

builder.Services.AddWebDemo(builder.Configuration);

var app = builder.Build();

app.UseForwardedHeadersFromProxy(app.Configuration);
app.UseOpenAIApiKey(); // /v1 wants OpenAIApi:ApiKey when one is set

if (!app.Environment.IsDevelopment())
    app.UseExceptionHandler("/error", createScopeForErrors: true);
// An unknown address: browsers get the Not found page, API clients problem+json.
app.UseWhen(http => AcceptsHtml(http.Request), browser => browser.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
app.UseWhen(http => !AcceptsHtml(http.Request), api => api.UseStatusCodePages(ApiStatusCodePages.WriteAsync));
app.UseBrowserIds(); // an anonymous id per browser, in a cookie set on the first page
app.UseRouting(); // after the status code pages, so a re-executed request is routed again
app.UseAntiforgery();

app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapHub<InferenceHub>(InferenceHub.Path);
app.MapTaskApi();
// Liveness (the process answers) and readiness (the models marked Preload are loaded), for the Space's proxy and Docker.
app.MapHealthChecks("/healthz", new() { Predicate = _ => false });
app.MapHealthChecks("/readyz", new()
{
    Predicate = check => check.Tags.Contains("ready"),
    // Not ready says why: each failing check's reason on a line of its own (a model still loading, CUDA required and missing).
    ResponseWriter = (http, report) =>
    {
        http.Response.ContentType = "text/plain; charset=utf-8";
        var why = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"\n{e.Key}: {e.Value.Description}");
        return http.Response.WriteAsync(report.Status + string.Concat(why));
    },
});

app.Run();

static bool AcceptsHtml(HttpRequest request) =>
    request.Headers.Accept.Any(accept => accept?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
