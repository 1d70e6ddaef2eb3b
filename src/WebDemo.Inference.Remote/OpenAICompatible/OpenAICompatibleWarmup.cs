using Microsoft.Extensions.Hosting;

namespace WebDemo.Inference.Remote.OpenAICompatible;

/// <summary>At start, reads the model lists of the servers configured without one, so their models are offered from the first request (at most OpenAICompatible:ModelListTimeout).</summary>
internal sealed class OpenAICompatibleWarmup(OpenAICompatibleServers servers) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(servers.All.Select(server => servers.ModelsAsync(server, cancellationToken)));

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
