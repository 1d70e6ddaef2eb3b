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

if (!app.Environment.IsDevelopment())
    app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseStatusCodePages();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapHub<InferenceHub>(InferenceHub.Path);
app.MapTaskApi();
// Liveness (the process answers) and readiness (the models marked Preload are loaded), for the Space's proxy and Docker.
app.MapHealthChecks("/healthz", new() { Predicate = _ => false });
app.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains("ready") });

app.Run();

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
