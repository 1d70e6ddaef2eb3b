using System.Globalization;
using System.Text.Json;

namespace WebDemo.TestSupport;

/// <summary>
/// The sentiment model the tests load and serve under <see cref="TestPaths.SentimentRepoId"/>:
/// the SST-2-trained model in ../shared where it is present (CI, the offline workplace), else the
/// repository's tiny random-weight model (tests/models/distilbert-tiny-random), so a fresh clone
/// runs the same tests. The tiny model's labels mean nothing but are exact (transformers.js's,
/// in its reference.json), so tests can still assert which label a given text gets.
/// </summary>
public sealed class SentimentModel
{
    private readonly IReadOnlyDictionary<string, string> _knownLabels;

    private SentimentModel(string dir, bool isTrained, string positiveText, string negativeText, IReadOnlyDictionary<string, string> knownLabels)
    {
        Dir = dir;
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json"))))
        {
            Labels = config.RootElement.GetProperty("id2label").EnumerateObject()
                .OrderBy(p => int.Parse(p.Name, CultureInfo.InvariantCulture)).Select(p => p.Value.GetString()!).ToList();
        }
        IsTrained = isTrained;
        PositiveText = positiveText;
        NegativeText = negativeText;
        _knownLabels = knownLabels;
    }

    /// <summary>The trained model when ../shared/models is present, else the tiny one.</summary>
    public static SentimentModel Current { get; } = TestPaths.HasSharedModels ? Trained() : Tiny();

    /// <summary>The model folder (config.json, tokenizer files, onnx/model.onnx).</summary>
    public string Dir { get; }

    /// <summary>True for the SST-2-trained model, whose labels mean something; false for the random-weight one.</summary>
    public bool IsTrained { get; }

    /// <summary>A text this model labels POSITIVE, with a clear margin.</summary>
    public string PositiveText { get; }

    /// <summary>A text this model labels NEGATIVE, with a clear margin.</summary>
    public string NegativeText { get; }

    /// <summary>The labels of config.json's id2label, in id order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Size of onnx/model.onnx in bytes.</summary>
    public long OnnxBytes => new FileInfo(Path.Combine(Dir, "onnx", "model.onnx")).Length;

    /// <summary>onnx/model.onnx's size as the Status page writes it (1024-based, one decimal).</summary>
    public string OnnxSizeText => OnnxBytes switch
    {
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{OnnxBytes / (double)(1L << 20):0.0} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{OnnxBytes / (double)(1L << 10):0.0} KiB"),
        _ => $"{OnnxBytes} B",
    };

    /// <summary>The top label this model gives <paramref name="text"/>, for the texts whose label is known (transformers.js's).</summary>
    public string LabelOf(string text) =>
        _knownLabels.TryGetValue(text, out var label) ? label
            : throw new ArgumentException($"No known label for '{text}' with {(IsTrained ? "the trained" : "the tiny")} sentiment model.", nameof(text));

    private static SentimentModel Trained()
    {
        // transformers.js's top labels on the shared model (WebDemo.Inference.Onnx.Tests/Reference/transformersjs.json).
        var known = new Dictionary<string, string>
        {
            ["I love this movie, the acting was wonderful!"] = "POSITIVE",
            ["The plot was dull and the ending made no sense."] = "NEGATIVE",
            ["a gorgeous , witty , seductive movie ."] = "POSITIVE",
            ["it 's a lousy one at that ."] = "NEGATIVE",
        };
        return new SentimentModel(TestPaths.SentimentModelDir, isTrained: true,
            "I love this movie, the acting was wonderful!", "The plot was dull and the ending made no sense.", known);
    }

    private static SentimentModel Tiny()
    {
        var dir = TestPaths.TinySentimentModelDir;
        using var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "reference.json")));
        var known = new Dictionary<string, string>();
        foreach (var entry in reference.RootElement.GetProperty("texts").EnumerateArray())
        {
            var scores = entry.GetProperty("scores").EnumerateObject().ToList();
            // Only labels with a clear margin: a text near 0.5 could flip with float noise.
            var best = scores.MaxBy(s => s.Value.GetDouble());
            if (best.Value.GetDouble() >= 0.6)
                known[entry.GetProperty("text").GetString()!] = best.Name;
        }
        // P(POSITIVE) 0.85 and 0.29 in reference.json: the random weights' labels, not the texts' meaning.
        return new SentimentModel(dir, isTrained: false,
            "Thank you very much, it has been a pleasure.", "The plot was dull and the ending made no sense.", known);
    }
}
