using System.Globalization;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Components.Shared;

public enum DecodingMode { ModelDefault, Greedy, Beams, Sampling }

/// <summary>
/// What a generation page lets a person choose, kept apart from the markup: the length limits
/// and one decoding strategy (the model's own defaults, greedy, beam search, or seeded
/// sampling), turned into the HF generation parameters the task takes.
/// </summary>
public sealed class DecodingChoice
{
    public DecodingMode Mode { get; set; } = DecodingMode.ModelDefault;
    public int? MaxNewTokens { get; set; }
    public int? MinNewTokens { get; set; }
    public int NumBeams { get; set; } = 4;
    public double Temperature { get; set; } = 0.7;
    public double TopP { get; set; } = 0.9;
    public int? Seed { get; set; }

    /// <summary>The choice as query parameters for a share link (only what differs from the defaults), by the HF parameter names.</summary>
    public IEnumerable<KeyValuePair<string, object?>> ToQuery()
    {
        static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
        var query = new Dictionary<string, object?>
        {
            ["decoding"] = Mode == DecodingMode.ModelDefault ? null : Mode.ToString().ToLowerInvariant(),
            ["max_new_tokens"] = MaxNewTokens,
            ["min_new_tokens"] = MinNewTokens,
            ["num_beams"] = Mode == DecodingMode.Beams ? NumBeams : null,
            ["temperature"] = Mode == DecodingMode.Sampling ? Text(Temperature) : null,
            ["top_p"] = Mode == DecodingMode.Sampling ? Text(TopP) : null,
            ["seed"] = Mode == DecodingMode.Sampling ? Seed : null,
        };
        return query;
    }

    /// <summary>
    /// Reads back what <see cref="ToQuery"/> wrote, from a page address. A link is typed by
    /// people too: values that do not parse or are out of range are ignored, never an error.
    /// </summary>
    public void ReadQuery(string uri, int maxNewTokens)
    {
        var query = new ShareLinkQuery(uri);
        if (Enum.TryParse<DecodingMode>(query.Text("decoding"), ignoreCase: true, out var mode) && Enum.IsDefined(mode))
            Mode = mode;
        MaxNewTokens = query.IntValue("max_new_tokens", 1, maxNewTokens) ?? MaxNewTokens;
        MinNewTokens = query.IntValue("min_new_tokens", 0, maxNewTokens) ?? MinNewTokens;
        NumBeams = query.IntValue("num_beams", 2, 8) ?? NumBeams;
        Temperature = query.DoubleValue("temperature", 0.05, 5) ?? Temperature;
        TopP = query.DoubleValue("top_p", 0.05, 1) ?? TopP;
        Seed = query.IntValue("seed", int.MinValue, int.MaxValue) ?? Seed;
    }

    public GenerationParameters ToParameters()
    {
        var lengths = new GenerationParameters { MaxNewTokens = MaxNewTokens, MinNewTokens = MinNewTokens };
        return Mode switch
        {
            DecodingMode.Greedy => lengths with { DoSample = false, NumBeams = 1 },
            DecodingMode.Beams => lengths with { DoSample = false, NumBeams = NumBeams },
            DecodingMode.Sampling => lengths with { DoSample = true, NumBeams = 1, Temperature = Temperature, TopP = TopP, TopK = 0, Seed = Seed },
            _ => lengths,
        };
    }
}
