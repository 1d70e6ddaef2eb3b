namespace WebDemo.Inference.Onnx.Generation;

/// <summary>
/// Prompt lookup decoding (transformers' <c>prompt_lookup_num_tokens</c>, vLLM's n-gram
/// speculation): guesses the next tokens by finding the sequence's last few tokens earlier in the
/// text (the source text of a summary or translation, a chat's prompt, or what was generated so
/// far) and proposing what followed them there. The model then checks every guess in one run
/// (<see cref="IDecoderState.TryNextSeveral"/>), and greedy decoding keeps a guess only when it is
/// the token it would have chosen itself: the output is greedy's, token for token, with fewer model
/// runs wherever the text repeats itself (summaries copy names and phrases from their source, code
/// edits copy code, chat answers quote the question).
/// <para>
/// On a CPU one new token reads every weight of the model, and a few more tokens in the same run
/// cost little more; a wrong guess costs only that little. How many tokens are guessed adapts as
/// transformers does for its assistant model: two more after a run in which every guess was right,
/// one fewer after one that was not. Text that does not repeat (an open-ended answer) would still
/// find single tokens it used before and pay for a wrong guess almost every step: after a run with
/// no right guess the next 1, 2, 4 … 16 steps guess nothing, until a guess is right again.
/// </para>
/// </summary>
internal sealed class PromptLookup
{
    /// <summary>The longest run of last tokens looked up; shorter ones are tried when it is not found.</summary>
    private const int LongestMatch = 3;

    /// <summary>The most steps that guess nothing after guesses that were all wrong.</summary>
    private const int LongestPause = 16;

    private readonly IReadOnlyList<int> _source;
    private readonly int _most;
    private int _guesses;
    private int _pause; // steps without guessing after the last run whose guesses were all wrong; doubles while they stay wrong
    private int _pausedFor; // steps of the current pause still to go

    /// <param name="source">Text to look in besides the sequence itself (an encoder's input ids); empty for a decoder-only model, whose sequence holds its prompt.</param>
    /// <param name="mostGuesses">The most tokens guessed at once.</param>
    public PromptLookup(IReadOnlyList<int> source, int mostGuesses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mostGuesses, 1);
        _source = source;
        _most = mostGuesses;
        _guesses = Math.Min(4, mostGuesses);
    }

    /// <summary>
    /// What a loaded model does about guessing, in words (<see cref="Catalog.ILocalModel.Decoding"/>):
    /// <paramref name="mostGuesses"/> is the setting, <paramref name="graphTakesSeveral"/> the probe's answer.
    /// </summary>
    public static string Describe(int mostGuesses, bool graphTakesSeveral) =>
        mostGuesses == 0 ? "Prompt lookup is off (Onnx:PromptLookupTokens 0)."
        : graphTakesSeveral ? $"Greedy requests guess up to {mostGuesses} tokens ahead by prompt lookup, checked in one run."
        : "No prompt lookup: its graph does not take several new tokens after its cache (checked at load), so it decodes one token a run.";

    /// <summary>
    /// Up to <paramref name="limit"/> tokens that may follow <paramref name="sequence"/>: what followed
    /// the latest earlier occurrence of its last 3 tokens (else 2, else 1). Empty when none occurs.
    /// Where that runs into the end of the sequence, the guess goes on as the text did since the
    /// occurrence (a loop of generated tokens, "a b a b a", is guessed to go on looping).
    /// </summary>
    public int[] Guess(IReadOnlyList<int> sequence, int limit)
    {
        if (_pausedFor > 0)
        {
            _pausedFor--;
            return [];
        }
        var wanted = Math.Min(_guesses, limit);
        var length = _source.Count + sequence.Count;
        if (wanted <= 0 || sequence.Count == 0)
            return [];
        int At(int i) => i < _source.Count ? _source[i] : sequence[i - _source.Count];
        for (var n = Math.Min(LongestMatch, sequence.Count); n >= 1; n--)
        {
            // Occurrences that end before the last token, latest first: what followed them is the guess.
            for (var start = length - n - 1; start >= 0; start--)
            {
                var match = true;
                for (var k = 0; k < n && match; k++)
                    match = At(start + k) == At(length - n + k);
                if (!match)
                    continue;
                var from = start + n;
                var guess = new int[wanted];
                for (var k = 0; k < wanted; k++)
                    guess[k] = from + k < length ? At(from + k) : guess[k - (length - from)];
                return guess;
            }
        }
        return [];
    }

    /// <summary>What the model made of the last guess: <paramref name="right"/> of <paramref name="guessed"/> were kept.</summary>
    public void Checked(int guessed, int right)
    {
        _guesses = right == guessed ? Math.Min(_most, _guesses + 2) : Math.Max(1, _guesses - 1);
        _pause = right > 0 ? 0 : Math.Clamp(_pause * 2, 1, LongestPause);
        _pausedFor = _pause;
    }
}
