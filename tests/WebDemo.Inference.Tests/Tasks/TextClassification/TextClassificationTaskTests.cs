using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Streaming;
using WebDemo.Inference.Tasks;
using WebDemo.Inference.Tasks.TextClassification;

namespace WebDemo.Inference.Tests.Tasks.TextClassification;

public class TextClassificationTaskTests
{
    private sealed class EchoBackend : ILocalTaskBackend<TextClassificationCall, ClassifiedText>
    {
        public string Provider => "test";
        public string? Device => "CPU";
        public IReadOnlyCollection<string> Models => ["org/model", "org/other"];
        public List<TextClassificationCall> Calls { get; } = [];

        public async IAsyncEnumerable<InferenceUpdate<ClassifiedText>> StreamAsync(
            TextClassificationCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Calls.Add(call);
            yield return InferenceUpdate<ClassifiedText>.ForProgress(new ProgressInfo("load", "loading"));
            for (var i = 0; i < call.Inputs.Count; i++)
            {
                await Task.Yield();
                yield return InferenceUpdate<ClassifiedText>.ForPartial(
                    new ClassifiedText(i, call.Inputs[i], [new LabelScore("POSITIVE", 0.9), new LabelScore("NEGATIVE", 0.1)], false, 5));
            }
        }
    }

    private static (TextClassificationTask, EchoBackend) Create(int maxInputs = 4, int maxChars = 100)
    {
        var backend = new EchoBackend();
        var options = Options.Create(new TextClassificationOptions { MaxInputs = maxInputs, MaxCharactersPerInput = maxChars });
        return (new TextClassificationTask([backend], options), backend);
    }

    [Fact]
    public async Task Streams_progress_then_each_item_then_one_final_with_provenance()
    {
        var (service, _) = Create();

        var updates = await service.RunAsync(new TextClassificationRequest(["a", "b"])).ToListAsync();

        Assert.Equal([UpdateKind.Progress, UpdateKind.Partial, UpdateKind.Partial, UpdateKind.Final], updates.Select(u => u.Kind));
        var provenance = updates[^1].Provenance!;
        Assert.Equal("test", provenance.Provider);
        Assert.Equal("org/model", provenance.Model);
        Assert.Equal(10, provenance.TokensIn);
        Assert.NotNull(provenance.TimeToFirstResultMs);
        Assert.True(provenance.TotalMs >= provenance.TimeToFirstResultMs);
        Assert.Equal("ok", Assert.Single(provenance.Attempts).Outcome);
    }

    [Theory]
    [InlineData(new string[0], "at least one text")]
    [InlineData(new[] { "  ", "" }, "at least one text")]
    [InlineData(new[] { "ok", " " }, "Text 2 is empty")]
    [InlineData(new[] { "1", "2", "3", "4", "5" }, "Too many texts: 5. At most 4")]
    public void Bad_input_is_refused_before_anything_runs(string[] inputs, string message)
    {
        var (service, backend) = Create();

        var error = Assert.Throws<InferenceException>(() => service.RunAsync(new TextClassificationRequest(inputs)));

        Assert.Equal(InferenceErrorKind.InvalidInput, error.Kind);
        Assert.Contains(message, error.Message);
        Assert.Empty(backend.Calls);
    }

    [Fact]
    public void A_huge_text_is_refused_with_its_size()
    {
        var (service, _) = Create(maxChars: 100);

        var error = Assert.Throws<InferenceException>(() => service.RunAsync(new TextClassificationRequest([new string('x', 150)])));

        Assert.Contains("150 characters", error.Message);
    }

    [Fact]
    public void Top_k_below_one_is_refused()
    {
        var (service, _) = Create();

        Assert.Throws<InferenceException>(() => service.RunAsync(new TextClassificationRequest(["a"], TopK: 0)));
    }

    [Fact]
    public void An_unknown_model_names_the_models_there_are()
    {
        var (service, _) = Create();

        var error = Assert.Throws<InferenceException>(() => service.RunAsync(new TextClassificationRequest(["a"], "evil/model")));

        Assert.Equal(InferenceErrorKind.ModelNotFound, error.Kind);
        Assert.Contains("org/model, org/other", error.Message);
    }

    [Fact]
    public async Task No_model_means_the_default_and_a_named_one_is_passed_on()
    {
        var (service, backend) = Create();

        await service.RunAsync(new TextClassificationRequest(["a"])).ToListAsync();
        await service.RunAsync(new TextClassificationRequest(["a"], "org/other", TopK: 1)).ToListAsync();

        Assert.Equal("org/model", backend.Calls[0].Model); // the first local model
        Assert.Equal("org/other", backend.Calls[1].Model);
        Assert.Equal(1, backend.Calls[1].TopK);
    }

    [Fact]
    public void Cloud_providers_without_a_cloud_set_up_are_refused_in_words()
    {
        var (service, backend) = Create();

        var error = Assert.Throws<InferenceException>(() => service.RunAsync(new TextClassificationRequest(["a"], Provider: "auto")));

        Assert.Contains("not set up", error.Message);
        Assert.Empty(backend.Calls);
    }
}
