using Bunit;
using MudBlazor;
using WebDemo.Components.Shared;
using WebDemo.Inference.Tasks;

namespace WebDemo.Tests.Components.Shared;

/// <summary>The provider picker's list: grouped by backend, this machine first, then the Hugging Face router and its providers, then the operator's servers.</summary>
public sealed class ProviderPickerTests : IAsyncDisposable
{
    private readonly BunitContext _context = MudTestContext.Create();

    /// <summary>A task whose cloud model is served by two Inference Providers and one of the operator's servers, listed mixed.</summary>
    private sealed class ChatLikeTask : IInferenceTask
    {
        public string Name => "conversational";
        public IReadOnlyList<string> LocalModels => ["webdemo/llama-tiny-random"];
        public IReadOnlyList<string> Models => [.. LocalModels, "org/chat"];
        public string? CloudUnavailableReason => null;
        public Task<IReadOnlyList<string>> CloudProvidersAsync(string? model, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<string>>(["ollama", "prov-a", "prov-b"]);
        public bool IsOperatorServer(string provider) => provider == "ollama";
    }

    [Fact]
    public async Task Providers_are_grouped_by_backend_with_the_backend_named()
    {
        var popovers = _context.Render<MudPopoverProvider>();
        var picker = _context.Render<ProviderPicker>(p => p.Add(x => x.Service, new ChatLikeTask()));
        var select = picker.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Provider");

        await picker.InvokeAsync(() => select.Instance.OpenMenu());

        popovers.WaitForAssertion(() =>
        {
            var names = popovers.FindAll("[data-testid=provider-name]").Select(e => e.TextContent.Trim()).ToList();
            var backends = popovers.FindAll("[data-testid=provider-backend]").Select(e => e.TextContent.Trim()).ToList();
            Assert.Equal(["Local", "auto", "prov-a", "prov-b", "ollama"], names);
            Assert.Equal(["this machine", "Hugging Face router", "Inference Provider", "Inference Provider", "your OpenAI-compatible server"], backends);
        });
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();
}
