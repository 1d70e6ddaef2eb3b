using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Extensions;
using WebDemo.Features.Translation;
using WebDemo.Hosting;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.Generation;
using WebDemo.Inference.Tasks.Translation;

namespace WebDemo.Tests.Features.TextToText;

public sealed class TranslationPageTests : IAsyncDisposable
{
    /// <summary>Two local translators with pairs of their own, fed piece by piece by the test.</summary>
    private sealed class ScriptedTranslator() : ScriptedGenerator<TranslationCall>(German, Romanian), ITranslationLanguages, IInputTokenCounter<TranslationCall>
    {
        public const string German = "test/t5-de-fr";
        public const string Romanian = "test/t5-ro";

        public Task<IReadOnlyList<LanguagePair>?> PairsAsync(string model, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<LanguagePair>?>(model switch
            {
                German => [new("en", "de"), new("en", "fr")],
                Romanian => [new("en", "ro")],
                _ => null,
            });

        public InputTokenCount? TryCount(TranslationCall call) => null;
    }

    private readonly BunitContext _ctx = MudTestContext.Create();
    private readonly ScriptedTranslator _backend = new();
    private readonly IRenderedComponent<MudPopoverProvider> _popovers;

    public TranslationPageTests()
    {
        var options = Options.Create(new TranslationOptions { MaxInputCharacters = 100, MaxNewTokens = 64 });
        _ctx.Services.AddSingleton(options);
        _ctx.Services.AddSingleton<IInferenceTask<TranslationRequest, GeneratedText>>(new TranslationTask([_backend], options));
        _ctx.Services.AddSingleton<ITranslationLanguages>(_backend);
        _ctx.Services.AddSingleton<IInputTokenCounter<TranslationCall>>(_backend);
        _ctx.Services.AddSingleton(new PageAdmission(new ClientRateLimits(Options.Create(new RateLimitOptions { PermitsPerWindow = 100 }))));
        _ctx.Services.AddSingleton(new BrowserIdentity());
        _popovers = _ctx.Render<MudPopoverProvider>();
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();

    /// <summary>The pairs the language picker offers, as a person reads them in its open list.</summary>
    private async Task<List<string>> OfferedPairsAsync(IRenderedComponent<Translation> page)
    {
        var picker = page.FindComponent<MudSelect<LanguagePair>>();
        await page.InvokeAsync(() => picker.Instance.OpenMenu());
        List<string> offered = [];
        _popovers.WaitForAssertion(() =>
        {
            offered = _popovers.FindAll(".mud-list-item").Select(e => e.TextContent.Trim()).ToList();
            Assert.NotEmpty(offered);
        });
        await page.InvokeAsync(() => picker.Instance.CloseMenu());
        return offered;
    }

    private static async Task ChooseModelAsync(IRenderedComponent<Translation> page, string model)
    {
        var modelPicker = page.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Model");
        await page.InvokeAsync(() => modelPicker.Instance.ValueChanged.InvokeAsync(model));
    }

    [Fact]
    public async Task The_language_picker_offers_only_the_chosen_model_s_pairs()
    {
        var page = _ctx.Render<Translation>();

        Assert.Equal(["English → German", "English → French"], await OfferedPairsAsync(page));

        await ChooseModelAsync(page, ScriptedTranslator.Romanian);

        page.WaitForAssertion(() => Assert.Equal(new LanguagePair("en", "ro"), page.FindComponent<MudSelect<LanguagePair>>().Instance.GetState(x => x.Value)));
        Assert.Equal(["English → Romanian"], await OfferedPairsAsync(page));
    }

    [Fact]
    public async Task Translate_passes_the_chosen_pair_and_model_through()
    {
        var page = _ctx.Render<Translation>();
        var picker = page.FindComponent<MudSelect<LanguagePair>>();
        await page.InvokeAsync(() => picker.Instance.ValueChanged.InvokeAsync(new LanguagePair("en", "fr")));
        page.Find("textarea").Input("Where is the station?");

        page.Find("button[data-testid=run]").Click();
        _backend.Send("Où est");
        _backend.Send(" la gare ?");
        _backend.Finish();

        page.WaitForAssertion(() => Assert.Equal("Où est la gare ?", page.Find("[data-testid=output]").TextContent));
        var call = Assert.Single(_backend.Calls);
        Assert.Equal((ScriptedTranslator.German, "Where is the station?", "en", "fr"), (call.Model, call.Input, call.SourceLanguage, call.TargetLanguage));
    }

    [Fact]
    public void Empty_text_is_refused_in_words_and_nothing_runs()
    {
        var page = _ctx.Render<Translation>();
        page.Find("textarea").Input("  ");

        page.Find("button[data-testid=run]").Click();

        page.WaitForAssertion(() => Assert.Contains("Enter a text", page.Find("[data-testid=error]").TextContent));
        Assert.Empty(_backend.Calls);
    }

    [Fact]
    public void Stop_keeps_the_translation_so_far()
    {
        var page = _ctx.Render<Translation>();
        page.Find("textarea").Input("The museum opens at nine.");
        page.Find("button[data-testid=run]").Click();
        _backend.Send("Le musée");
        page.WaitForAssertion(() => Assert.Equal("Le musée", page.Find("[data-testid=output]").TextContent));

        page.Find("button[data-testid=stop]").Click();

        page.WaitForAssertion(() => Assert.Contains("Stopped", page.Find("[data-testid=notice]").TextContent));
        Assert.True(_backend.Cancelled);
        Assert.Equal("Le musée", page.Find("[data-testid=output]").TextContent);
        Assert.False(page.Find("button[data-testid=run]").HasAttribute("disabled"));
    }
}
