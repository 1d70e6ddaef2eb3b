using WebDemo.Inference.Onnx.Generation;

namespace WebDemo.Inference.Onnx.Tests.Generation;

public sealed class StopSequencesTests
{
    private static (string Sent, bool Stopped) Feed(IReadOnlyList<string> stops, params string[] pieces)
    {
        var filter = new StopSequences(stops);
        var sent = string.Concat(pieces.Select(filter.Add)) + filter.Flush();
        return (sent, filter.Stopped);
    }

    [Fact]
    public void Text_without_stop_sequences_passes_unchanged() =>
        Assert.Equal(("Hello world", false), Feed([], "Hel", "lo ", "world"));

    [Fact]
    public void The_answer_ends_before_a_stop_sequence_split_across_pieces() =>
        Assert.Equal(("Thought: done\n", true), Feed(["Observation:"], "Thought: done\nObs", "erva", "tion: 42", " more"));

    [Fact]
    public void The_earliest_of_several_stop_sequences_wins() =>
        Assert.Equal(("a", true), Feed(["END", "b"], "ab", "END"));

    [Fact]
    public void A_near_miss_is_held_back_and_then_sent()
    {
        var filter = new StopSequences(["</answer>"]);

        Assert.Equal("The ", filter.Add("The </an"));
        Assert.Equal("</an>swer", filter.Add(">swer"));
        Assert.Equal("", filter.Flush());
        Assert.False(filter.Stopped);
    }

    [Fact]
    public void What_is_held_at_the_end_is_flushed_when_no_stop_follows() =>
        Assert.Equal(("It ends with <|", false), Feed(["<|user|>"], "It ends with <|"));

    [Fact]
    public void Nothing_is_sent_after_a_stop() =>
        Assert.Equal(("", true), Feed(["\n\n"], "\n\nrest", "more"));

    [Fact]
    public void Odd_unicode_in_stops_and_text_is_compared_by_code_units() =>
        Assert.Equal(("東京 ", true), Feed(["🙂"], "東京 \ud83d", "\ude42 café"));
}
