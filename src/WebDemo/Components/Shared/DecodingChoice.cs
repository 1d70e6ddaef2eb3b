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
