using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using WebDemo.Features.Summarization;
using WebDemo.Hosting;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.Summarization;

namespace WebDemo.Tests.Features.TextToText;

public sealed class SummarizationPageTests : IAsyncDisposable
{
    /// <summary>The local model's token counter: two characters a token, limit 512; no count while "not loaded".</summary>
    private sealed class FakeCounter : IInputTokenCounter<SummarizationCall>
    {
        public volatile bool Loaded = true;
        public System.Collections.Concurrent.ConcurrentQueue<SummarizationCall> Calls { get; } = new();

        public InputTokenCount? TryCount(SummarizationCall call)
        {
            Calls.Enqueue(call);
            return Loaded ? new InputTokenCount((call.Input.Length + 1) / 2, 512) : null;
        }
    }

    private readonly BunitContext _ctx = MudTestContext.Create();
    private readonly ScriptedGenerator<SummarizationCall> _backend = new("test/t5");
    private readonly FakeCounter _counter = new();

    public SummarizationPageTests()
    {
        var options = Options.Create(new SummarizationOptions { MaxInputCharacters = 100, MaxNewTokens = 64 });
        _ctx.Services.AddSingleton(options);
        _ctx.Services.AddSingleton<IInferenceTask<SummarizationRequest, GeneratedText>>(new SummarizationTask([_backend], options));
        _ctx.Services.AddSingleton(new PageAdmission(new ClientRateLimits(Options.Create(new RateLimitOptions { PermitsPerWindow = 100 }))));
        _ctx.Services.AddSingleton(new BrowserIdentity());
        _ctx.Services.AddSingleton<IInputTokenCounter<SummarizationCall>>(_counter);
        _ctx.Render<MudPopoverProvider>();
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();

    private IRenderedComponent<Summarization> Start(string text)
    {
        var page = _ctx.Render<Summarization>();
        page.Find("textarea").Input(text);
        page.Find("button[data-testid=run]").Click();
        return page;
    }

    [Fact]
    public void The_summary_grows_with_each_piece_then_shows_its_tokens()
    {
        var page = Start("A long text about a tower.");

        _backend.Send("The", truncated: true);
        page.WaitForAssertion(() => Assert.Equal("The", page.Find("[data-testid=output]").TextContent));
        Assert.Contains("first 512 tokens", page.Find("[data-testid=truncation-warning]").TextContent);
        _backend.Send(" tower is", 2);
        page.WaitForAssertion(() => Assert.Equal("The tower is", page.Find("[data-testid=output]").TextContent));
        Assert.True(page.Find("button[data-testid=run]").HasAttribute("disabled"));
        _backend.Send(" tall.", 2);
        _backend.Finish();

        page.WaitForAssertion(() => Assert.Contains("5 out", page.Find("[data-testid=tokens]").TextContent));
        Assert.Equal("The tower is tall.", page.Find("[data-testid=output]").TextContent);
        Assert.Equal("A long text about a tower.", _backend.Calls.Single().Input);
    }

    [Fact]
    public void Stop_keeps_the_text_so_far()
    {
        var page = Start("Some text.");
        _backend.Send("Half a");
        page.WaitForAssertion(() => Assert.Equal("Half a", page.Find("[data-testid=output]").TextContent));

        page.Find("button[data-testid=stop]").Click();

        page.WaitForAssertion(() => Assert.Contains("Stopped", page.Find("[data-testid=notice]").TextContent));
        Assert.True(_backend.Cancelled);
        Assert.Equal("Half a", page.Find("[data-testid=output]").TextContent);
    }

    [Fact]
    public void Empty_text_is_refused_in_words_and_nothing_runs()
    {
        var page = Start("   ");

        page.WaitForAssertion(() => Assert.Contains("Enter a text", page.Find("[data-testid=error]").TextContent));
        Assert.Empty(_backend.Calls);
    }

    [Fact]
    public void Beam_search_chosen_on_the_page_reaches_the_backend_as_parameters()
    {
        var page = _ctx.Render<Summarization>();
        page.Find("textarea").Input("Text.");
        page.FindComponent<WebDemo.Components.Shared.DecodingSettings>().Instance.Choice.Mode = WebDemo.Components.Shared.DecodingMode.Beams;
        page.FindComponent<WebDemo.Components.Shared.DecodingSettings>().Instance.Choice.MaxNewTokens = 30;

        page.Find("button[data-testid=run]").Click();
        _backend.Finish();

        page.WaitForAssertion(() => Assert.Single(_backend.Calls));
        var parameters = _backend.Calls[0].Parameters;
        Assert.Equal((4, false, 30), (parameters.NumBeams, parameters.DoSample, parameters.MaxNewTokens));
    }

    [Fact]
    public void The_local_model_s_tokens_are_counted_as_the_text_is_typed_and_over_512_it_says_the_text_will_be_cut()
    {
        var page = _ctx.Render<Summarization>();

        page.Find("textarea").Input("A text of twenty-two.");

        page.WaitForAssertion(() => Assert.StartsWith("11 of 512 tokens", page.Find("[data-testid=input-size-text]").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=token-limit-notice]"));
        Assert.Contains(_counter.Calls, c => c.Model == "test/t5" && c.Input == "A text of twenty-two.");

        page.Find("textarea").Input(new string('x', 1125));

        page.WaitForAssertion(() => Assert.Contains("will be cut", page.Find("[data-testid=token-limit-notice]").TextContent));
        Assert.StartsWith("563 of 512 tokens", page.Find("[data-testid=input-size-text]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Before_the_local_model_is_loaded_only_characters_are_shown()
    {
        _counter.Loaded = false;
        var page = _ctx.Render<Summarization>();

        page.Find("textarea").Input("Some text.");

        page.WaitForAssertion(() => Assert.Equal("10 of 100 characters · tokens are counted once the model is loaded",
            page.Find("[data-testid=input-size-text]").TextContent));
        Assert.NotEmpty(_counter.Calls);
    }
}
