using System.Runtime.CompilerServices;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using WebDemo.Components.Shared;
using WebDemo.Features.Flagging;
using WebDemo.Hosting;
using WebDemo.Inference.Streaming;
using WebDemo.TestSupport;
using WebDemo.Tests.Features.Flagging;

namespace WebDemo.Tests.Components.Shared;

public sealed class FlagButtonTests : IAsyncDisposable
{
    private const string BrowserId = "bUnitBrowserId0123456A";
    private readonly TempDirectory _data = new();
    private readonly BunitContext _ctx = MudTestContext.Create();
    private readonly TaskRun<string> _run = new();
    private readonly IRenderedComponent<MudDialogProvider> _dialogs;

    public FlagButtonTests()
    {
        _ctx.Services.AddLogging();
        _ctx.Services.AddFlaggingFeature(new TestSettings().Set("Data:Folder", Path.Combine(_data.Path, "data")).Configuration());
        _ctx.Services.AddSingleton(new PageAdmission(new ClientRateLimits(Options.Create(new RateLimitOptions()))));
        var browser = new BrowserIdentity();
        browser.Identify(BrowserId);
        _ctx.Services.AddSingleton(browser);
        _ctx.Render<MudPopoverProvider>();
        _dialogs = _ctx.Render<MudDialogProvider>();
    }

    public async ValueTask DisposeAsync()
    {
        await _ctx.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    private FlagStore Store => _ctx.Services.GetRequiredService<FlagStore>();

    private IRenderedComponent<FlagButton> RenderButton() =>
        _ctx.Render<FlagButton>(p => p.Add(b => b.Run, _run).Add(b => b.Task, "text-classification"));

    private static async IAsyncEnumerable<InferenceUpdate<string>> Answer([EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.Yield();
        yield return InferenceUpdate<string>.ForPartial("POSITIVE");
        ct.ThrowIfCancellationRequested();
        yield return InferenceUpdate<string>.ForFinal(FlagStoreTests.Served with { }); // each run its own, as a task answers
    }

    private async Task FinishARunAsync(IRenderedComponent<FlagButton> button)
    {
        await _run.RunAsync(Answer, () => { }, _ => "stopped", input: new { inputs = "what a joy" });
        button.Render();
    }

    private static bool IsDisabled(IRenderedComponent<FlagButton> button) => button.Find("button[data-testid=flag]").HasAttribute("disabled");

    [Fact]
    public async Task Flagging_a_finished_result_stores_it_with_the_comment_and_thanks()
    {
        var button = RenderButton();
        Assert.True(IsDisabled(button)); // no result yet

        await FinishARunAsync(button);
        Assert.False(IsDisabled(button));
        button.Find("button[data-testid=flag]").Click();
        _dialogs.WaitForElement("[data-testid=flag-dialog]");
        Assert.Contains("Up to 2,000 characters", _dialogs.Markup, StringComparison.Ordinal);
        _dialogs.Find("textarea").Input("the label is wrong");
        _dialogs.Find("button[data-testid=flag-submit]").Click();

        _dialogs.WaitForAssertion(() => Assert.Contains("Thanks, flagged", _dialogs.Find("[data-testid=flag-thanks]").TextContent, StringComparison.Ordinal));
        var flag = Assert.Single(await Store.ListAsync(10));
        Assert.Equal(("text-classification", "org/sentiment", "the label is wrong", BrowserId), (flag.Task, flag.Model, flag.Comment, flag.BrowserId));
        Assert.Equal("""{"inputs":"what a joy"}""", flag.Inputs);
        Assert.Equal("""["POSITIVE"]""", flag.Output);
        button.WaitForAssertion(() => Assert.Equal("Flagged", button.Find("button[data-testid=flag]").TextContent.Trim()));
        Assert.True(IsDisabled(button)); // once per result

        await FinishARunAsync(button);
        Assert.False(IsDisabled(button)); // a new result may be flagged again
    }

    [Fact]
    public async Task A_comment_too_long_is_said_in_words_and_the_dialog_stays()
    {
        var button = RenderButton();
        await FinishARunAsync(button);

        button.Find("button[data-testid=flag]").Click();
        _dialogs.WaitForElement("textarea").Input(new string('a', 2_001));
        _dialogs.Find("button[data-testid=flag-submit]").Click();

        _dialogs.WaitForAssertion(() => Assert.Contains("at most 2,000 are kept", _dialogs.Find("[data-testid=flag-error]").TextContent, StringComparison.Ordinal));
        Assert.Empty(_dialogs.FindAll("[data-testid=flag-thanks]"));
        Assert.Equal(0, await Store.CountAsync());
        Assert.False(IsDisabled(button));
    }

    [Fact]
    public async Task A_database_that_cannot_be_written_is_said_in_words()
    {
        var button = RenderButton();
        await FinishARunAsync(button);
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "data"), "a file where the data folder should be");

        button.Find("button[data-testid=flag]").Click();
        _dialogs.WaitForElement("textarea").Input("hello");
        _dialogs.Find("button[data-testid=flag-submit]").Click();

        _dialogs.WaitForAssertion(() => Assert.Contains("could not be stored", _dialogs.Find("[data-testid=flag-error]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(_data.Path, _dialogs.Markup, StringComparison.Ordinal); // the server's paths stay in the log
    }
}
