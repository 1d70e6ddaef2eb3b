using System.Runtime.CompilerServices;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;
using WebDemo.Features.TextToImage;
using WebDemo.Features.TextToImage.Gallery;
using WebDemo.Hosting;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextToImage;
using WebDemo.TestSupport;
using WebDemo.Tests.Data;

namespace WebDemo.Tests.Features.TextToImage;

/// <summary>The Image page: only an image drawn by this run goes to the gallery, and a hand-edited share link never breaks the page.</summary>
public sealed class ImagePageTests : IAsyncDisposable
{
    private const string Browser = "AAAAAAAAAAAAAAAAAAAAAA";

    private readonly BunitContext _ctx = MudTestContext.Create();
    private readonly TempAppData _data = new();
    private readonly DrawingBackend _backend = new();

    public ImagePageTests() : this(permits: 100)
    {
    }

    private ImagePageTests(int permits)
    {
        var gallery = _data.Services((services, configuration) => services.AddTextToImageFeature(configuration));
        var options = Options.Create(new TextToImageOptions());
        _ctx.Services.AddSingleton(options);
        _ctx.Services.AddSingleton<IInferenceTask<TextToImageRequest, GeneratedImage>>(new TextToImageTask([_backend], options));
        _ctx.Services.AddSingleton(gallery.GetRequiredService<GalleryStore>());
        _ctx.Services.AddSingleton(gallery.GetRequiredService<IOptions<GalleryOptions>>());
        var identity = new BrowserIdentity();
        identity.Identify(Browser);
        _ctx.Services.AddSingleton(identity);
        _ctx.Services.AddSingleton(new PageAdmission(new ClientRateLimits(Options.Create(new RateLimitOptions { PermitsPerWindow = permits }))));
        _ctx.Render<MudPopoverProvider>();
    }

    public async ValueTask DisposeAsync()
    {
        await _ctx.DisposeAsync();
        _data.Dispose();
    }

    private IRenderedComponent<Image> Open(string query = "")
    {
        _ctx.Services.GetRequiredService<NavigationManager>().NavigateTo("/image" + query);
        return _ctx.Render<Image>();
    }

    // MudBlazor puts the test id on the input itself or on its wrapper.
    private const string PromptBox = "textarea[data-testid=prompt], [data-testid=prompt] textarea";

    private static string Input(string testId) => $"input[data-testid={testId}], [data-testid={testId}] input";

    private static string? Field(IRenderedComponent<Image> page, string testId) => page.Find(Input(testId)).GetAttribute("value");

    private static void Fill(IRenderedComponent<Image> page, string testId, string value) =>
        page.InvokeAsync(() => page.Find(Input(testId)).Change(value)).GetAwaiter().GetResult();

    private static void Prompt(IRenderedComponent<Image> page, string prompt) =>
        page.InvokeAsync(() => page.Find(PromptBox).Input(prompt)).GetAwaiter().GetResult();

    /// <summary>Clicks Generate once the page is idle, on the renderer's thread.</summary>
    private static void Generate(IRenderedComponent<Image> page)
    {
        page.WaitForAssertion(() => Assert.False(page.Find("button[data-testid=run]").HasAttribute("disabled")));
        page.InvokeAsync(() => page.Find("button[data-testid=run]").Click()).GetAwaiter().GetResult();
    }

    private static string[] Gallery(IRenderedComponent<Image> page) => [.. page.FindAll("[data-testid=gallery-item] img").Select(i => i.GetAttribute("alt") ?? "")];

    private IRenderedComponent<Image> AfterOneImage(string prompt)
    {
        var page = Open("?width=64&height=64&steps=2");
        Prompt(page, prompt);
        Generate(page);
        page.WaitForAssertion(() => Assert.Equal([prompt], Gallery(page)));
        return page;
    }

    [Fact]
    public void A_run_refused_for_its_input_keeps_nothing_and_the_earlier_image_stays_as_it_was()
    {
        var page = AfterOneImage("first prompt");

        Prompt(page, "SECOND prompt never drawn");
        Fill(page, "width", "100");
        Generate(page);
        page.WaitForAssertion(() => Assert.Contains("\"width\" must be a multiple of 8", page.Find("[data-testid=error]").TextContent));
        Generate(page);

        page.WaitForAssertion(() => Assert.Contains("\"width\" must be a multiple of 8", page.Find("[data-testid=error]").TextContent));
        Assert.Equal(["first prompt"], Gallery(page));
        Assert.Equal("first prompt", page.Find("[data-testid=result-image]").GetAttribute("alt"));
        Assert.Single(_backend.Calls);
    }

    [Fact]
    public async Task A_run_refused_by_the_rate_limit_keeps_nothing()
    {
        await using var limited = new ImagePageTests(permits: 1);
        var page = limited.AfterOneImage("first prompt");

        Prompt(page, "SECOND prompt never drawn");
        Generate(page);

        page.WaitForAssertion(() => Assert.Contains("Too many requests from your address", page.Find("[data-testid=error]").TextContent));
        Assert.Equal(["first prompt"], Gallery(page));
        Assert.Equal("first prompt", page.Find("[data-testid=result-image]").GetAttribute("alt"));
        Assert.Single(limited._backend.Calls);
    }

    [Fact]
    public void A_run_that_fails_after_a_preview_keeps_nothing()
    {
        var page = AfterOneImage("first prompt");
        _backend.FailNext = new InferenceException(InferenceErrorKind.ModelUnavailable, "The model stopped part-way.");

        Prompt(page, "SECOND prompt never drawn");
        Generate(page);

        page.WaitForAssertion(() => Assert.Contains("The model stopped part-way.", page.Find("[data-testid=error]").TextContent));
        Assert.Equal(["first prompt"], Gallery(page));
        Assert.Equal(2, _backend.Calls.Count);
    }

    [Fact]
    public void A_share_link_fills_in_the_settings()
    {
        var page = Open("?prompt=a%20fox&width=512&height=768&steps=4&guidance=7.5&seed=9007199254740991");

        Assert.Equal("a fox", page.Find(PromptBox).GetAttribute("value") ?? page.Find(PromptBox).TextContent);
        Assert.Equal(("512", "768", "4", "7.5", "9007199254740991"),
            (Field(page, "width"), Field(page, "height"), Field(page, "steps"), Field(page, "guidance"), Field(page, "seed")));
    }

    [Theory]
    [InlineData("?steps=abc")]
    [InlineData("?width=1.5")]
    [InlineData("?seed=1e5")]
    [InlineData("?steps=1000000000000")]
    [InlineData("?height=&guidance=lots")]
    [InlineData("?width=4096&height=8&steps=0&guidance=NaN&seed=-1")]
    [InlineData("?seed=9007199254740992")]
    public void Values_in_a_share_link_that_do_not_parse_or_are_out_of_range_are_left_to_the_model(string query)
    {
        var page = Open("?prompt=a%20fox&" + query.TrimStart('?'));

        Assert.Equal("a fox", page.Find(PromptBox).GetAttribute("value") ?? page.Find(PromptBox).TextContent);
        Assert.All(new[] { "width", "height", "steps", "guidance", "seed" }, id => Assert.True(string.IsNullOrEmpty(Field(page, id)), $"{id}: {Field(page, id)}"));
    }

    /// <summary>Draws a 1×1 PNG for each call after one preview; or, when told, fails after the preview.</summary>
    private sealed class DrawingBackend : ILocalTaskBackend<TextToImageCall, GeneratedImage>
    {
        public string Provider => "local";
        public string? Device => "CPU";
        public IReadOnlyCollection<string> Models => ["test/sd"];
        public List<TextToImageCall> Calls { get; } = [];
        public InferenceException? FailNext { get; set; }

        public async IAsyncEnumerable<InferenceUpdate<GeneratedImage>> StreamAsync(
            TextToImageCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Calls.Add(call);
            await Task.Yield();
            var (width, height) = (call.Parameters.Width ?? 64, call.Parameters.Height ?? 64);
            yield return InferenceUpdate<GeneratedImage>.ForPartial(new GeneratedImage(FakeRouter.Png, "image/png", width / 8, height / 8, IsPreview: true, Step: 1));
            if (FailNext is { } error)
            {
                FailNext = null;
                throw error;
            }
            yield return InferenceUpdate<GeneratedImage>.ForPartial(new GeneratedImage(FakeRouter.Png, "image/png", width, height, call.Parameters.Seed, call.Parameters.NumInferenceSteps));
        }
    }
}
