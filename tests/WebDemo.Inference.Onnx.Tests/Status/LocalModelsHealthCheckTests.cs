using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Status;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Status;

public class LocalModelsHealthCheckTests
{
    [Fact]
    public async Task Not_ready_while_a_preloaded_model_is_not_loaded_and_the_preload_failure_is_kept()
    {
        using var cache = new TempDirectory();
        using var services = OnnxTestServices.Create("http://127.0.0.1:9", cache.Path, offline: true, preload: true);
        var check = ActivatorUtilities.CreateInstance<LocalModelsHealthCheck>(services);

        var before = await check.CheckHealthAsync(new HealthCheckContext());
        await services.GetRequiredService<LocalModelLoader>().PreloadAsync(CancellationToken.None); // offline and nothing cached: it fails
        var after = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Contains(TestPaths.SentimentRepoId, before.Description);
        Assert.Equal(HealthStatus.Unhealthy, after.Status);
        Assert.NotNull(services.GetRequiredService<LocalModelLoader>().Describe().Single().LastError);
    }

    [Fact]
    public async Task Ready_when_nothing_is_marked_preload()
    {
        using var cache = new TempDirectory();
        using var services = OnnxTestServices.Create("http://127.0.0.1:9", cache.Path, offline: true);

        var result = await ActivatorUtilities.CreateInstance<LocalModelsHealthCheck>(services).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }
}
