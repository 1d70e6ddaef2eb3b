using WebDemo.Inference.Onnx.ModelStore;
using WebDemo.Inference.Onnx.Tokenization;
using WebDemo.TestSupport;

namespace WebDemo.Inference.Onnx.Tests.Tokenization;

public class TokenizerTests
{
    private static ModelSnapshot Folder(string dir, params string[] files) => new("test", null, dir,
        files.Where(f => File.Exists(Path.Combine(dir, f))).ToDictionary(f => f, f => Path.Combine(dir, f)));

    private static readonly string[] AllFiles = ["tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "tokenizer.json"];

    private static WordPieceTextEncoder BertUncased() => WordPieceTextEncoder.Load(Folder(TestPaths.SentimentModelDir, AllFiles), 512);

    private static WordPieceTextEncoder Tiny() => WordPieceTextEncoder.Load(Folder(TestPaths.TinySentimentModelDir, AllFiles), 512);

    [SharedTheory("the bert-base-uncased tokenizer files and transformers.js's ids for them")]
    [MemberData(nameof(ReferenceData.SentimentTexts), MemberType = typeof(ReferenceData))]
    public void Uncased_ids_match_transformers_js(string text)
    {
        var encoded = BertUncased().Encode(text);

        Assert.Equal(ReferenceData.ForSentiment(text).Ids, encoded.Ids);
        Assert.False(encoded.Truncated);
    }

    [SharedTheory("the bert-base-NER tokenizer kit and transformers.js's ids for it")]
    [MemberData(nameof(ReferenceData.CasedTexts), MemberType = typeof(ReferenceData))]
    public void Cased_ids_match_transformers_js(string text)
    {
        var dir = Path.Combine(TestPaths.TokenizersDir, "ner-bert-base-NER");
        var encoder = WordPieceTextEncoder.Load(Folder(dir, AllFiles), 512);

        Assert.Equal(ReferenceData.ForCased(text).Ids, encoder.Encode(text).Ids);
    }

    [Fact]
    public void Vocabulary_can_come_from_tokenizer_json_alone()
    {
        using var temp = new TempDirectory();
        foreach (var file in new[] { "tokenizer_config.json", "tokenizer.json" })
            File.Copy(Path.Combine(TestPaths.TinySentimentModelDir, file), Path.Combine(temp.Path, file));
        var withoutVocabTxt = WordPieceTextEncoder.Load(Folder(temp.Path, AllFiles), 512);

        foreach (var text in TinyModelReference.All.Where(t => !t.Truncated))
            Assert.Equal(text.Ids, withoutVocabTxt.Encode(text.Value).Ids);
    }

    [SharedFact("the bert-base-uncased tokenizer files and transformers.js's ids for them")]
    public void The_real_bert_vocabulary_can_come_from_tokenizer_json_alone()
    {
        using var temp = new TempDirectory();
        foreach (var file in new[] { "tokenizer_config.json", "tokenizer.json" })
            File.Copy(Path.Combine(TestPaths.SentimentModelDir, file), Path.Combine(temp.Path, file));
        var withoutVocabTxt = WordPieceTextEncoder.Load(Folder(temp.Path, AllFiles), 512);

        var text = ReferenceData.ForSentiment("Café déjà vu: naïve résumé!");
        Assert.Equal(text.Ids, withoutVocabTxt.Encode(text.Text).Ids);
    }

    [Fact]
    public void Long_text_is_cut_to_the_model_limit_with_special_tokens_kept()
    {
        var encoded = Tiny().Encode(string.Join(' ', Enumerable.Repeat("wonderful", 2000)));

        Assert.True(encoded.Truncated);
        Assert.Equal(512, encoded.Ids.Length);
        Assert.Equal(2, encoded.Ids[0]);   // [CLS] of this vocabulary, not BERT's 101
        Assert.Equal(3, encoded.Ids[^1]);  // [SEP]
    }

    [SharedFact("the bert-base-uncased tokenizer files")]
    public void Long_text_is_cut_with_bert_uncased_special_tokens_kept()
    {
        var encoder = BertUncased();
        var text = string.Join(' ', Enumerable.Repeat("wonderful", 2000));

        var encoded = encoder.Encode(text);

        Assert.True(encoded.Truncated);
        Assert.Equal(512, encoded.Ids.Length);
        Assert.Equal(101, encoded.Ids[0]);   // [CLS]
        Assert.Equal(102, encoded.Ids[^1]);  // [SEP]
    }

    [Fact]
    public void Missing_vocabulary_is_a_clear_error()
    {
        using var temp = new TempDirectory();
        File.Copy(Path.Combine(SentimentModel.Current.Dir, "tokenizer_config.json"), Path.Combine(temp.Path, "tokenizer_config.json"));

        var error = Assert.Throws<Errors.InferenceException>(() => WordPieceTextEncoder.Load(Folder(temp.Path, AllFiles), 512));
        Assert.Contains("neither vocab.txt nor", error.Message);
    }
}
