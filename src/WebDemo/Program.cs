using WebDemo.Api;
using WebDemo.Components;
using WebDemo.Hosting;
using WebDemo.Hubs;
using WebDemo.Inference.Onnx.Runtime;

// The content root is the output folder: appsettings*.json are copied there, so `dotnet run`,
// the published app and the Docker image read configuration from the same place.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});

builder.Services.AddWebDemo(builder.Configuration);

var app = builder.Build();

// Choose the ONNX execution provider now, so the log says which one at start, not at first use.
app.Services.GetRequiredService<OnnxSessionFactory>();

if (!app.Environment.IsDevelopment())
    app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseStatusCodePages();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapHub<InferenceHub>(InferenceHub.Path);
app.MapInferenceApi();
app.MapChatCompletionsApi();

app.Run();

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
