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

app.Run();

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
