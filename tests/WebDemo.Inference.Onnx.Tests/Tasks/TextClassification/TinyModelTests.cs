using Microsoft.Extensions.DependencyInjection;
using WebDemo.Inference.Onnx.Catalog;
using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Tasks.TextClassification;
using WebDemo.Inference.Onnx.Tokenization;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Tasks.TextClassification;

/// <summary>The repository's tiny random-weight model, loaded from its folder as the app loads any model folder.</summary>
public sealed class TinyModelFixture : IDisposable
{
    private readonly ServiceProvider _services;

    public TinyModelFixture()
    {
        var dir = TestPaths.TinySentimentModelDir;
        _services = OnnxTestServices.Create("http://127.0.0.1:9", Path.GetTempPath(), offline: true, modelId: dir);
        Model = _services.GetRequiredService<LocalModelLoader>()
            .GetAsync<TextClassificationModel>(dir, "text-classification", null, CancellationToken.None).GetAwaiter().GetResult();
        Encoder = WordPieceTextEncoder.Load(new ModelSnapshot("tiny", null, dir,
            WordPieceTextEncoder.Files.Select(f => f.Path).Where(f => File.Exists(Path.Combine(dir, f))).ToDictionary(f => f, f => Path.Combine(dir, f))), 512);
    }

    internal TextClassificationModel Model { get; }

    internal WordPieceTextEncoder Encoder { get; }

    public void Dispose() => _services.Dispose();
}

/// <summary>
/// The C# tokenizer and pipeline against transformers.js on the same files, token for token and
/// score for score. This model's special tokens are not BERT's ids ([PAD]=0 [UNK]=1 [CLS]=2
/// [SEP]=3), so these tests also prove that the ids come from the tokenizer files.
/// </summary>
public class TinyModelTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const int Cls = 2;
    private const int Sep = 3;

    [Theory]
    [MemberData(nameof(TinyModelReference.Indexes), MemberType = typeof(TinyModelReference))]
    public void Ids_match_transformers_js(int index)
    {
        var reference = TinyModelReference.At(index);

        var encoded = fixture.Encoder.Encode(reference.Value);

        Assert.Equal(reference.Truncated, encoded.Truncated);
        if (!reference.Truncated)
        {
            Assert.Equal(reference.Ids, encoded.Ids);
            return;
        }
        // Cut to 512 as Python transformers cuts: [CLS] + 510 pieces + [SEP]. transformers.js keeps
        // [CLS] + 511 pieces and drops the [SEP], so only the first 511 ids are comparable.
        Assert.Equal(512, encoded.Ids.Length);
        Assert.Equal(reference.Ids[..511], encoded.Ids[..511]);
        Assert.Equal(Sep, encoded.Ids[^1]);
    }

    [Theory]
    [MemberData(nameof(TinyModelReference.Indexes), MemberType = typeof(TinyModelReference))]
    public void Scores_agree_with_transformers_js_to_1e_4(int index)
    {
        var reference = TinyModelReference.At(index);

        var result = fixture.Model.Classify([reference.Value], 0, null).Single();

        Assert.Equal(reference.Truncated, result.Truncated);
        Assert.Equal(reference.Scores.Keys.Order(), result.Labels.Select(l => l.Label).Order());
        if (reference.Truncated)
        {
            // transformers.js scores a different 512-token cut (no final [SEP]); the scores are not comparable.
            Assert.Equal(512, result.TokenCount);
            return;
        }
        Assert.Equal(reference.Ids.Length, result.TokenCount);
        foreach (var label in result.Labels)
            Assert.InRange(Math.Abs(label.Score - reference.Scores[label.Label]), 0, 1e-4);
    }

    /// <summary>
    /// transformers (and transformers.js) clean text before BERT tokenization: \t, \n and \r are
    /// spaces, format characters (Cf: zero-width space, soft hyphen, BOM) are dropped.
    /// Microsoft.ML.Tokenizers' BertNormalizer drops \t \n \r and keeps Cf, so without
    /// WordPieceTextEncoder's own clean-up "a\tb" would be one word and "a\u200Bb" [UNK]. The expected ids are transformers.js 4.3.1's on this model.
    /// </summary>
    [Fact]
    public void Tabs_newlines_and_format_characters_are_cleaned_as_in_transformers()
    {
        var reference = TinyModelReference.At(TinyModelReference.WithTabsAndNewlines);

        Assert.Equal(reference.Ids, fixture.Encoder.Encode(reference.Value).Ids);
        var result = fixture.Model.Classify([reference.Value], 0, null).Single();
        foreach (var label in result.Labels)
            Assert.InRange(Math.Abs(label.Score - reference.Scores[label.Label]), 0, 1e-4);
        Assert.Equal([Cls, 47, 48, Sep], fixture.Encoder.Encode("a\tb").Ids);          // a b
        Assert.Equal([Cls, 47, 48, Sep], fixture.Encoder.Encode("a\r\nb").Ids);
        Assert.Equal([Cls, 47, 84, Sep], fixture.Encoder.Encode("a\u200Bb").Ids);      // a ##b
        Assert.Equal([Cls, 47, 84, Sep], fixture.Encoder.Encode("a\u00ADb").Ids);
        Assert.Equal([Cls, 47, 84, Sep], fixture.Encoder.Encode("a\U000F0000b").Ids);  // private use, outside the BMP
        Assert.Equal([Cls, 54, 91, 395, Sep], fixture.Encoder.Encode("\uFEFFhi there").Ids);
    }

    [Fact]
    public void One_padded_batch_gives_the_scores_of_single_runs()
    {
        var texts = TinyModelReference.All.Select(t => t.Value).ToList();

        var batched = fixture.Model.Classify(texts, 0, null);

        Assert.Equal(texts.Count, batched.Count);
        for (var i = 0; i < texts.Count; i++)
        {
            var alone = fixture.Model.Classify([texts[i]], 0, null).Single();
            Assert.Equal(i, batched[i].Index);
            Assert.Equal(texts[i], batched[i].Text);
            Assert.Equal(alone.Truncated, batched[i].Truncated);
            Assert.Equal(alone.Labels.Select(l => l.Label), batched[i].Labels.Select(l => l.Label));
            foreach (var (single, inBatch) in alone.Labels.Zip(batched[i].Labels))
                Assert.InRange(Math.Abs(single.Score - inBatch.Score), 0, 1e-5);
        }
    }

    [Fact]
    public void Special_token_ids_come_from_the_tokenizer_files()
    {
        Assert.Equal([Cls, Sep], fixture.Encoder.Encode("").Ids);
        Assert.Equal(0, fixture.Encoder.PaddingId);
        Assert.Equal([Cls, 1, Sep], fixture.Encoder.Encode("good🙂").Ids); // [UNK]: an emoji stays inside its word, as in transformers

        var cut = fixture.Encoder.Encode(string.Join(' ', Enumerable.Repeat("wonderful", 2000)));
        Assert.True(cut.Truncated);
        Assert.Equal(512, cut.Ids.Length);
        Assert.Equal(Cls, cut.Ids[0]);
        Assert.Equal(Sep, cut.Ids[^1]);
    }

    [Fact]
    public void Labels_are_the_configs_and_scores_sum_to_one()
    {
        var result = fixture.Model.Classify(["so good🙂 really"], 0, null).Single();

        Assert.Equal(["NEGATIVE", "POSITIVE"], fixture.Model.Labels);
        Assert.Equal(["NEGATIVE", "POSITIVE"], result.Labels.Select(l => l.Label).Order());
        Assert.True(result.Labels[0].Score >= result.Labels[1].Score);
        Assert.Equal(1.0, result.Labels.Sum(l => l.Score), 6);
    }
}
