using Bunit;
using WebDemo.Components.Shared;
using WebDemo.Inference.Streaming;

namespace WebDemo.Tests.Components.Shared;

/// <summary>The token rate under an answer is the decoding rate when it streamed, and the whole call's rate when it came in one piece.</summary>
public sealed class ProvenanceChipsTests : IAsyncDisposable
{
    private readonly BunitContext _ctx = MudTestContext.Create();

    private string TokensText(double? firstMs, double totalMs, int tokensOut) =>
        _ctx.Render<ProvenanceChips>(p => p.Add(c => c.Provenance,
                new Provenance("local", "org/model", "CPU", firstMs, totalMs, [new Attempt("local", "ok", totalMs)], TokensIn: 12, TokensOut: tokensOut)))
            .Find("[data-testid=tokens]").TextContent;

    [Fact]
    public void A_streamed_answer_counts_the_tokens_after_the_first_over_the_time_after_it()
    {
        Assert.Contains("12 tokens in · 41 out · 20 tokens/s", TokensText(firstMs: 1000, totalMs: 3000, tokensOut: 41));
    }

    [Fact]
    public void An_answer_in_one_piece_counts_every_token_over_the_whole_call()
    {
        // A beam search: the first result is the whole text, at the end.
        Assert.Contains("30 out · 12 tokens/s", TokensText(firstMs: 2500, totalMs: 2500, tokensOut: 30));
    }

    public ValueTask DisposeAsync() => _ctx.DisposeAsync();
}
