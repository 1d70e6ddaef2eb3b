using System.Collections.Concurrent;
using Bunit;
using WebDemo.Components.Shared;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Tests.Components.Shared;

public sealed class InputSizeTests : IAsyncDisposable
{
    private readonly BunitContext _ctx = MudTestContext.Create();

    /// <summary>A model's counter: one token per word plus &lt;/s&gt;, limit 8; null while "not loaded".</summary>
    private sealed class WordCounter(BunitContext ctx)
    {
        public volatile bool Loaded = true;
        public ConcurrentQueue<string> Counted { get; } = new();
        public ConcurrentQueue<bool> OnRenderThread { get; } = new();

        public InputTokenCount? Count(string text)
        {
            OnRenderThread.Enqueue(ctx.Renderer.Dispatcher.CheckAccess());
            Counted.Enqueue(text);
            return Loaded ? new InputTokenCount(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length + 1, 8) : null;
        }
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();

    private IRenderedComponent<InputSize> Render(string text, Func<string, InputTokenCount?>? count, TimeSpan? debounce = null) =>
        _ctx.Render<InputSize>(p => p
            .Add(c => c.Text, text)
            .Add(c => c.MaxCharacters, 100)
            .Add(c => c.Count, count)
            .Add(c => c.Debounce, debounce ?? TimeSpan.FromMilliseconds(50)));

    private static string Caption(IRenderedComponent<InputSize> size) => size.Find("[data-testid=input-size-text]").TextContent;

    [Fact]
    public void A_cloud_provider_gets_characters_and_no_count()
    {
        var size = Render("Hello there", null);

        Assert.Equal("11 of 100 characters · tokens are counted by the provider", Caption(size));
        Assert.Empty(size.FindAll("[data-testid=token-limit-notice]"));
    }

    [Fact]
    public void A_loaded_local_model_counts_tokens_against_its_limit_off_the_render_thread()
    {
        var counter = new WordCounter(_ctx);

        var size = Render("one two three", counter.Count);

        size.WaitForAssertion(() => Assert.Equal("4 of 8 tokens · 13 of 100 characters", Caption(size)));
        Assert.Empty(size.FindAll("[data-testid=token-limit-notice]"));
        Assert.All(counter.OnRenderThread, onRenderThread => Assert.False(onRenderThread));
    }

    [Fact]
    public void Over_the_limit_a_notice_says_the_text_will_be_cut()
    {
        var counter = new WordCounter(_ctx);

        var size = Render("a b c d e f g h i j", counter.Count);

        size.WaitForAssertion(() => Assert.Equal("11 of 8 tokens · 19 of 100 characters", Caption(size)));
        Assert.Equal("The text is 11 tokens; the model reads the first 8, so the rest will be cut.",
            size.Find("[data-testid=token-limit-notice]").TextContent.Trim());

        size.Render(p => p.Add(c => c.Text, "a b"));

        size.WaitForAssertion(() => Assert.Equal("3 of 8 tokens · 3 of 100 characters", Caption(size)));
        Assert.Empty(size.FindAll("[data-testid=token-limit-notice]"));
    }

    [Fact]
    public void Typing_is_counted_once_it_pauses_not_at_every_key()
    {
        var counter = new WordCounter(_ctx);
        var size = Render("a", counter.Count, TimeSpan.FromSeconds(1));

        size.Render(p => p.Add(c => c.Text, "a b"));
        size.Render(p => p.Add(c => c.Text, "a b c"));

        Assert.Equal("5 of 100 characters · counting tokens…", Caption(size)); // never a count of another text beside this one
        size.WaitForAssertion(() => Assert.Equal("4 of 8 tokens · 5 of 100 characters", Caption(size)));
        Assert.Equal(["a b c"], counter.Counted);

        size.Render(p => p.Add(c => c.Text, "a b c d"));

        Assert.Equal("7 of 100 characters · counting tokens…", Caption(size));
        size.WaitForAssertion(() => Assert.Equal("5 of 8 tokens · 7 of 100 characters", Caption(size)));
    }

    [Fact]
    public void A_model_not_loaded_yet_shows_characters_until_it_is_loaded()
    {
        var counter = new WordCounter(_ctx) { Loaded = false };

        var size = Render("one two", counter.Count);

        size.WaitForAssertion(() => Assert.Equal("7 of 100 characters · tokens are counted once the model is loaded", Caption(size)));
        Assert.NotEmpty(counter.Counted);

        counter.Loaded = true; // a run loaded it; the page renders again
        size.Render(p => p.Add(c => c.Text, "one two"));

        size.WaitForAssertion(() => Assert.Equal("3 of 8 tokens · 7 of 100 characters", Caption(size)));
    }

    [Fact]
    public void Switching_to_the_cloud_drops_the_local_count()
    {
        var counter = new WordCounter(_ctx);
        var size = Render("one two", counter.Count);
        size.WaitForAssertion(() => Assert.StartsWith("3 of 8 tokens", Caption(size), StringComparison.Ordinal));

        size.Render(p => p.Add(c => c.Count, null));

        Assert.Equal("7 of 100 characters · tokens are counted by the provider", Caption(size));
    }
}
