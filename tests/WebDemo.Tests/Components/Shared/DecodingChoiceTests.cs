using Microsoft.AspNetCore.WebUtilities;
using WebDemo.Components.Shared;

namespace WebDemo.Tests.Components.Shared;

/// <summary>The decoding settings travel in share links: what one page writes, another reads back, and a hand-edited link never breaks the page.</summary>
public class DecodingChoiceTests
{
    private static string LinkOf(DecodingChoice choice) =>
        QueryHelpers.AddQueryString("http://demo.test/summarization",
            choice.ToQuery().Where(p => p.Value is not null).Select(p => new KeyValuePair<string, string?>(p.Key, Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture))));

    [Theory]
    [InlineData(DecodingMode.ModelDefault)]
    [InlineData(DecodingMode.Greedy)]
    [InlineData(DecodingMode.Beams)]
    [InlineData(DecodingMode.Sampling)]
    public void A_choice_survives_the_round_trip_through_a_link(DecodingMode mode)
    {
        var chosen = new DecodingChoice { Mode = mode, MaxNewTokens = 77, MinNewTokens = 5, NumBeams = 3, Temperature = 1.25, TopP = 0.8, Seed = -42 };

        var read = new DecodingChoice();
        read.ReadQuery(LinkOf(chosen), maxNewTokens: 512);

        Assert.Equal(chosen.ToParameters(), read.ToParameters());
        Assert.Equal(mode, read.Mode);
    }

    [Fact]
    public void The_defaults_add_nothing_to_the_link()
    {
        Assert.Equal("http://demo.test/summarization", LinkOf(new DecodingChoice()));
    }

    [Theory]
    [InlineData("decoding=telepathy&max_new_tokens=abc&num_beams=99&temperature=1e400&top_p=-1&seed=9999999999")]
    [InlineData("max_new_tokens=513&min_new_tokens=-3")]
    [InlineData("decoding=7&temperature=NaN")]
    public void Values_that_do_not_parse_or_exceed_the_limits_are_ignored(string query)
    {
        var read = new DecodingChoice();
        read.ReadQuery("http://demo.test/summarization?" + query, maxNewTokens: 512);

        Assert.Equal(new DecodingChoice().ToParameters(), read.ToParameters());
        Assert.Equal(DecodingMode.ModelDefault, read.Mode);
    }
}
