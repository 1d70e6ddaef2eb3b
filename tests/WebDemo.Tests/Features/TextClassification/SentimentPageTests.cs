using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using WebDemo.Features.TextClassification;
using WebDemo.Hosting;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Tests.Features.TextClassification;

public sealed class SentimentPageTests : IAsyncDisposable
{
    private readonly BunitContext _ctx = MudTestContext.Create();
    private readonly ScriptedBackend _backend = new();

    public SentimentPageTests()
    {
        var options = Options.Create(new TextClassificationOptions { MaxInputs = 3 });
        _ctx.Services.AddSingleton(options);
        _ctx.Services.AddSingleton<IInferenceTask<TextClassificationRequest, ClassifiedText>>(new TextClassificationTask([_backend], options));
        _ctx.Services.AddSingleton(new PageAdmission(new ClientRateLimits(Options.Create(new RateLimitOptions { PermitsPerWindow = 2 }))));
        _ctx.Services.AddSingleton(new BrowserIdentity()); // the flag button's
        _ctx.Render<MudPopoverProvider>();
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();

    private IRenderedComponent<Sentiment> RenderWithText(string text)
    {
        var page = _ctx.Render<Sentiment>();
        page.Find("textarea").Input(text);
        return page;
    }

    /// <summary>Clicks Analyze on the renderer's thread, so a render that lands between finding the button and clicking it cannot swap its handler.</summary>
    private static void Analyze(IRenderedComponent<Sentiment> page) =>
        page.InvokeAsync(() => page.Find("button[data-testid=analyze]").Click()).GetAwaiter().GetResult();

    [Fact]
    public void Each_line_appears_as_soon_as_it_is_scored()
    {
        var page = RenderWithText("what a joy\nwhat a bore");
        Analyze(page);

        _backend.SendProgress("Downloading test/sentiment: 1.0 MiB of 2.0 MiB", 0.5);
        page.WaitForAssertion(() => Assert.Contains("1.0 MiB of 2.0 MiB", page.Find("[data-testid=progress]").TextContent));

        _backend.Send(0, "what a joy", "POSITIVE", 0.97);
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=result]")));
        Assert.Equal("POSITIVE", page.Find("[data-testid=label]").TextContent.Trim());
        Assert.Equal("97.0%", page.Find("[data-testid=score]").TextContent.Trim().Replace(" ", ""));
        Assert.True(page.Find("button[data-testid=analyze]").HasAttribute("disabled"));

        _backend.Send(1, "what a bore", "NEGATIVE", 0.88);
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=result]").Count));
        _backend.Finish();

        page.WaitForAssertion(() => Assert.Contains("scripted", page.Find("[data-testid=provenance]").TextContent));
        Assert.Contains(ScriptedBackend.Model, page.Find("[data-testid=provenance]").TextContent);
        page.WaitForAssertion(() => Assert.False(page.Find("button[data-testid=analyze]").HasAttribute("disabled")));
        Assert.Equal(["what a joy", "what a bore"], _backend.Calls.Single().Inputs);
    }

    [Fact]
    public void Stop_cancels_the_stream_and_keeps_what_arrived()
    {
        var page = RenderWithText("one\ntwo");
        Analyze(page);
        _backend.Send(0, "one", "POSITIVE", 0.6);
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=result]")));

        page.Find("button[data-testid=stop]").Click();

        page.WaitForAssertion(() => Assert.Contains("Stopped: 1 of 2 lines", page.Find("[data-testid=notice]").TextContent));
        Assert.True(_backend.Cancelled);
        Assert.Single(page.FindAll("[data-testid=result]"));
        Assert.False(page.Find("button[data-testid=analyze]").HasAttribute("disabled"));
    }

    [Fact]
    public void A_backend_error_is_shown_in_words_and_earlier_lines_stay()
    {
        var page = RenderWithText("one\ntwo");
        Analyze(page);
        _backend.Send(0, "one", "POSITIVE", 0.6);
        _backend.Finish(new InferenceException(InferenceErrorKind.ModelUnavailable, "The model file is corrupt; delete the cache."));

        page.WaitForAssertion(() => Assert.Contains("The model file is corrupt", page.Find("[data-testid=error]").TextContent));
        Assert.Single(page.FindAll("[data-testid=result]"));
    }

    [Fact]
    public void Empty_input_gets_a_message_and_the_earlier_results_stay()
    {
        var page = RenderWithText("nice");
        Analyze(page);
        _backend.Send(0, "nice", "POSITIVE", 0.9);
        _backend.Finish();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=provenance]")));
        // The run's last render (Analyze enabled again) may follow the provenance: type after it, or
        // the text box's handler found before it is retired.
        page.WaitForAssertion(() => Assert.False(page.Find("button[data-testid=analyze]").HasAttribute("disabled")));

        page.Find("textarea").Input("   \n  ");
        Analyze(page);

        page.WaitForAssertion(() => Assert.Contains("Enter at least one text", page.Find("[data-testid=error]").TextContent));
        Assert.Single(page.FindAll("[data-testid=result]"));
        Assert.Single(_backend.Calls);
    }

    [Fact]
    public void Too_many_lines_get_a_message_and_nothing_runs()
    {
        var page = RenderWithText("a\nb\nc\nd");

        Analyze(page);

        page.WaitForAssertion(() => Assert.Contains("Too many texts: 4. At most 3", page.Find("[data-testid=error]").TextContent));
        Assert.Empty(_backend.Calls);
        Assert.Equal("a\nb\nc\nd", page.Find("textarea").GetAttribute("value") ?? page.Find("textarea").TextContent);
    }

    [Fact]
    public void Clicking_an_example_puts_it_in_the_text_area_and_runs_it()
    {
        var page = _ctx.Render<Sentiment>();

        page.FindAll("[data-testid=example]")[1].Click();

        Assert.Equal(Sentiment.Examples[1], page.Find("textarea").GetAttribute("value") ?? page.Find("textarea").TextContent);
        page.WaitForAssertion(() => Assert.Equal([Sentiment.Examples[1]], _backend.Calls.Single().Inputs));
    }

    [Fact]
    public void Over_the_visitors_rate_limit_the_page_says_so_and_nothing_runs()
    {
        var page = RenderWithText("one");
        Analyze(page);
        _backend.Finish();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=provenance]")));
        Analyze(page); // the second of two allowed runs: the backend's stream is finished, so it ends at once
        page.WaitForAssertion(() => Assert.False(page.Find("button[data-testid=analyze]").HasAttribute("disabled")));

        Analyze(page);

        page.WaitForAssertion(() => Assert.Contains("Too many requests from your address", page.Find("[data-testid=error]").TextContent));
        Assert.Equal(2, _backend.Calls.Count);
    }

    [Fact]
    public void A_truncated_line_is_flagged()
    {
        var page = RenderWithText("very long");
        Analyze(page);
        _backend.Send(0, "very long", "POSITIVE", 0.7, truncated: true);
        _backend.Finish();

        page.WaitForAssertion(() => Assert.Contains("longer than the model's token limit", page.Find("[data-testid=truncation-warning]").TextContent));
        Assert.NotNull(page.Find("[data-testid=truncated]"));
    }

    [Fact]
    public void Without_cloud_providers_the_page_says_why_and_stays_local()
    {
        var page = _ctx.Render<Sentiment>();

        Assert.Contains("not set up", page.Find("[data-testid=cloud-unavailable]").TextContent);
        Assert.Contains(ScriptedBackend.Model, page.Find("[data-testid=model]").TextContent);
    }

    [Fact]
    public void Every_label_score_shows_on_demand()
    {
        var card = _ctx.Render<ClassificationCard>(p => p.Add(c => c.Result,
            new ClassifiedText(0, "meh", [new LabelScore("NEGATIVE", 0.55), new LabelScore("POSITIVE", 0.45)], false, 3)));
        Assert.Empty(card.FindAll("[data-testid=all-scores]"));

        card.Find("button[data-testid=expand]").Click();

        var all = card.Find("[data-testid=all-scores]").TextContent;
        Assert.Contains("NEGATIVE", all);
        Assert.Contains("POSITIVE", all);
        Assert.Contains("45", all);
    }
}

public class TextLinesTests
{
    [Fact]
    public void Text_lines_are_the_non_empty_lines_trimmed()
    {
        Assert.Equal(["one", "two", "three"], TextLines.Split(" one \r\n\n two\n\t\nthree\n"));
        Assert.Empty(TextLines.Split(null));
    }
}
