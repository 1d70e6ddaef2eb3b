using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WebDemo.Inference.Errors;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.Tasks.TextClassification;
using WebDemo.Inference.Onnx.Runtime;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Tasks.TextClassification;

/// <summary>
/// The sentiment model (the trained one in ../shared, else the repository's tiny one), loaded from
/// its folder (as from_pretrained(path) allows).
/// </summary>
public sealed class SentimentModelFixture : IDisposable
{
    private readonly ServiceProvider _services;

    public SentimentModelFixture()
    {
        var dir = SentimentModel.Current.Dir;
        _services = OnnxTestServices.Create("http://127.0.0.1:9", Path.GetTempPath(), offline: true, modelId: dir);
        Model = _services.GetRequiredService<LocalModelLoader>()
            .GetAsync<TextClassificationModel>(dir, "text-classification", null, CancellationToken.None).GetAwaiter().GetResult();
    }

    internal TextClassificationModel Model { get; }

    public void Dispose() => _services.Dispose();
}

public class TextClassificationModelTests(SentimentModelFixture fixture) : IClassFixture<SentimentModelFixture>
{
    private TextClassificationModel Model => fixture.Model;

    [SharedTheory("the SST-2-trained sentiment model")]
    [InlineData("I love this movie, the acting was wonderful!", "POSITIVE")]
    [InlineData("a gorgeous , witty , seductive movie .", "POSITIVE")]
    [InlineData("The plot was dull and the ending made no sense.", "NEGATIVE")]
    [InlineData("it 's a lousy one at that .", "NEGATIVE")]
    public void Known_texts_get_the_known_label(string text, string label)
    {
        var result = Model.Classify([text], 0, null).Single();

        Assert.Equal(label, result.Labels[0].Label);
        Assert.Equal(["NEGATIVE", "POSITIVE"], result.Labels.Select(l => l.Label).Order());
        Assert.Equal(1.0, result.Labels.Sum(l => l.Score), 6);
    }

    [SharedTheory("the trained sentiment model and transformers.js's scores on it")]
    [MemberData(nameof(ReferenceData.SentimentTexts), MemberType = typeof(ReferenceData))]
    public void Scores_agree_with_transformers_js_to_1e_4(string text)
    {
        var expected = ReferenceData.ForSentiment(text).Scores;

        var result = Model.Classify([text], 0, null).Single();

        foreach (var label in result.Labels)
            Assert.InRange(Math.Abs(label.Score - expected[label.Label]), 0, 1e-4);
    }

    [Fact]
    public void A_padded_batch_scores_each_text_as_it_would_alone()
    {
        string[] texts = ["short", "a much longer sentence that needs padding for the others in its batch", "ok then"];

        var batched = Model.Classify(texts, 10, null);

        for (var i = 0; i < texts.Length; i++)
        {
            var alone = Model.Classify([texts[i]], 0, null).Single();
            Assert.Equal(10 + i, batched[i].Index);
            Assert.Equal(alone.Labels[0].Label, batched[i].Labels[0].Label);
            Assert.Equal(alone.Labels[0].Score, batched[i].Labels[0].Score, 5);
        }
    }

    [Fact]
    public async Task Lines_sorted_into_batches_come_back_with_their_positions_and_their_scores_alone()
    {
        string[] texts = ["short", "a much longer sentence that needs padding for the others in its batch", "ok then",
            "another fairly long line, about as long as the second one is", "fine", "what a lovely day it was"];

        var streamed = new List<WebDemo.Inference.Tasks.TextClassification.ClassifiedText>();
        await foreach (var result in Model.ClassifyAsync(texts, null))
            streamed.Add(result);

        Assert.Equal(Enumerable.Range(0, texts.Length), streamed.Select(r => r.Index).Order());
        foreach (var result in streamed)
        {
            var alone = Model.Classify([texts[result.Index]], 0, null).Single();
            Assert.Equal(texts[result.Index], result.Text);
            Assert.Equal(alone.TokenCount, result.TokenCount);
            Assert.Equal(alone.Labels[0].Label, result.Labels[0].Label);
            Assert.Equal(alone.Labels[0].Score, result.Labels[0].Score, 5);
        }
    }

    [Fact]
    public async Task Concurrent_callers_share_batches_and_each_gets_its_own_answers()
    {
        string[] texts = ["short", "a much longer sentence that needs padding", "ok then", "what a lovely day", "bad", "the plot was dull"];

        var answers = await Task.WhenAll(texts.Select(async text =>
        {
            var results = new List<WebDemo.Inference.Tasks.TextClassification.ClassifiedText>();
            await foreach (var result in Model.ClassifyAsync([text], 1))
                results.Add(result);
            return results.Single();
        }));

        for (var i = 0; i < texts.Length; i++)
        {
            var alone = Model.Classify([texts[i]], 0, 1).Single();
            Assert.Equal(0, answers[i].Index);
            Assert.Equal(texts[i], answers[i].Text);
            Assert.Equal(alone.Labels[0].Label, answers[i].Labels[0].Label);
            Assert.Equal(alone.Labels[0].Score, answers[i].Labels[0].Score, 5);
        }
    }

    [Fact]
    public async Task A_cancelled_request_ends_with_cancellation()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Model.ClassifyAsync(["one", "two"], null, cancel.Token))
            {
            }
        });
    }

    [Fact]
    public async Task A_reader_that_stops_early_leaves_the_model_serving_others()
    {
        var texts = Enumerable.Range(0, 40).Select(i => $"line number {i} of a long request").ToList();

        await foreach (var _ in Model.ClassifyAsync(texts, null))
            break; // the rest of this request leaves the queue

        var after = new List<WebDemo.Inference.Tasks.TextClassification.ClassifiedText>();
        await foreach (var result in Model.ClassifyAsync(["what a lovely day"], 1))
            after.Add(result);
        Assert.Equal(Model.Classify(["what a lovely day"], 0, 1).Single().Labels, after.Single().Labels);
    }

    [Fact]
    public void Scores_sum_to_one_over_the_configs_labels_best_first()
    {
        var result = Model.Classify(["what a lovely day"], 0, null).Single();

        Assert.Equal(SentimentModel.Current.Labels, Model.Labels);
        Assert.Equal(SentimentModel.Current.Labels.Order(), result.Labels.Select(l => l.Label).Order());
        Assert.True(result.Labels[0].Score >= result.Labels[1].Score);
        Assert.Equal(1.0, result.Labels.Sum(l => l.Score), 6);
        Assert.False(result.Truncated);
    }

    [Fact]
    public void Top_k_keeps_the_best_labels_only()
    {
        var all = Model.Classify(["what a lovely day"], 0, null).Single();

        var result = Model.Classify(["what a lovely day"], 0, topK: 1).Single();

        Assert.Single(result.Labels);
        Assert.True(result.Labels[0].Score > 0.5);
        Assert.Equal(all.Labels[0], result.Labels[0]);
    }

    [Fact]
    public void Known_texts_get_this_models_label()
    {
        var model = SentimentModel.Current;

        var results = Model.Classify([model.PositiveText, model.NegativeText], 0, 1);

        Assert.Equal(["POSITIVE", "NEGATIVE"], results.Select(r => r.Labels[0].Label));
    }

    [Fact]
    public void A_long_text_is_truncated_and_flagged()
    {
        var result = Model.Classify([string.Join(' ', Enumerable.Repeat("wonderful", 700))], 0, null).Single();

        Assert.True(result.Truncated);
        Assert.Equal(512, result.TokenCount);
        Assert.Equal(1.0, result.Labels.Sum(l => l.Score), 6);
    }

    [SharedFact("the SST-2-trained sentiment model and the SST-2 dev set")]
    public void Accuracy_on_the_sst2_dev_set_matches_the_model_card()
    {
        var rows = File.ReadLines(TestPaths.Sst2Dev)
            .Select(line => (Label: line[0] == '1' ? "POSITIVE" : "NEGATIVE", Text: line[2..]))
            .ToList();

        var correct = 0;
        foreach (var chunk in rows.Chunk(32))
        {
            var results = Model.Classify(chunk.Select(r => r.Text).ToList(), 0, 1);
            correct += results.Zip(chunk).Count(pair => pair.First.Labels[0].Label == pair.Second.Label);
        }

        Assert.Equal(872, rows.Count);
        Assert.InRange(correct / (double)rows.Count, 0.755, 0.775); // the card says 76.4 %
    }

    [Fact]
    public void A_corrupt_onnx_file_is_a_clear_error()
    {
        using var temp = new TempDirectory();
        foreach (var file in Directory.EnumerateFiles(SentimentModel.Current.Dir))
            File.Copy(file, Path.Combine(temp.Path, Path.GetFileName(file)));
        Directory.CreateDirectory(Path.Combine(temp.Path, "onnx"));
        File.WriteAllBytes(Path.Combine(temp.Path, "onnx", "model.onnx"), "this is not an ONNX model"u8.ToArray());
        var snapshot = new WebDemo.Inference.Onnx.ModelStore.ModelSnapshot("broken", null, temp.Path,
            TextClassificationModel.FilesFor("onnx/model.onnx").ToDictionary(f => f.Path, f => Path.Combine(temp.Path, f.Path)));
        var sessions = new OnnxSessionFactory(Options.Create(new OnnxRuntimeOptions { ExecutionProvider = "cpu" }), NullLogger<OnnxSessionFactory>.Instance);

        var error = Assert.Throws<InferenceException>(() => TextClassificationModel.Load(snapshot, "onnx/model.onnx", sessions,
            new WebDemo.Inference.Onnx.Batching.MicroBatcherOptions(8, TimeSpan.Zero, 0.25)));

        Assert.Equal(InferenceErrorKind.ModelUnavailable, error.Kind);
        Assert.Contains("corrupt", error.Message);
    }
}
