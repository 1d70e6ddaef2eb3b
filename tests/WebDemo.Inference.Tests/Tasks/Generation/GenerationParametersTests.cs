using WebDemo.Inference.Errors;
using WebDemo.Inference.Tasks.Generation;

namespace WebDemo.Inference.Tests.Tasks.Generation;

public class GenerationParametersTests
{
    // t5-small's summarization preset: 4 beams, as its config's task_specific_params say.
    private static readonly GenerationParameters Beams = new() { NumBeams = 4, LengthPenalty = 2.0, EarlyStopping = true };

    // A chat model's generation_config: sampling at temperature 0.6.
    private static readonly GenerationParameters Sampling = new() { DoSample = true, Temperature = 0.6, TopP = 0.9 };

    [Fact]
    public void Sampling_asked_for_over_a_models_default_beams_samples_one_sequence()
    {
        var merged = new GenerationParameters { DoSample = true, Seed = 3 }.OverModelDefaults(Beams);

        Assert.True(merged.DoSample);
        Assert.Equal(1, merged.NumBeams);
        Assert.Equal(3, merged.Seed);
        merged.Validate(512); // no "beams or sampling" refusal: the caller asked for one of them only
    }

    [Fact]
    public void Beams_asked_for_over_a_models_default_sampling_search_without_sampling()
    {
        var merged = new GenerationParameters { NumBeams = 3 }.OverModelDefaults(Sampling);

        Assert.Equal(3, merged.NumBeams);
        Assert.False(merged.DoSample);
        merged.Validate(512);
    }

    [Fact]
    public void Defaults_fill_what_the_caller_left_out()
    {
        var merged = new GenerationParameters { MaxNewTokens = 20 }.OverModelDefaults(Beams);

        Assert.Equal(4, merged.NumBeams);
        Assert.Null(merged.DoSample);
        Assert.Equal(20, merged.MaxNewTokens);
        Assert.Equal(2.0, merged.LengthPenalty);
    }

    [Fact]
    public void Two_sources_the_caller_gave_merge_plainly_so_that_both_asked_for_is_still_refused()
    {
        // generate_parameters over the flat parameters of the same body: both are the caller's.
        var merged = new GenerationParameters { DoSample = true }.Over(new GenerationParameters { NumBeams = 4 });

        Assert.Equal(4, merged.NumBeams);
        Assert.Throws<InferenceException>(() => merged.Validate(512));
    }

    [Fact]
    public void Beams_and_sampling_both_asked_for_are_refused_in_words()
    {
        var asked = new GenerationParameters { NumBeams = 4, DoSample = true };

        var error = Assert.Throws<InferenceException>(() => asked.OverModelDefaults(Sampling).Validate(512));

        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        Assert.Contains("Choose beams or sampling", error.Message, StringComparison.Ordinal);
    }
}
