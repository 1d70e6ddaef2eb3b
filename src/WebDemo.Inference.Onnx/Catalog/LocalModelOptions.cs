namespace WebDemo.Inference.Onnx.Catalog;

/// <summary>The models this app runs locally (section "LocalModels"). Only these are served.</summary>
public sealed class LocalModelOptions
{
    public const string Section = "LocalModels";

    public List<LocalModelEntry> Models { get; set; } = [];
}

public sealed class LocalModelEntry
{
    private static readonly Dictionary<string, string> DtypeSuffixes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["fp32"] = "", ["fp16"] = "_fp16", ["q8"] = "_quantized", ["int8"] = "_int8",
        ["uint8"] = "_uint8", ["q4"] = "_q4", ["q4f16"] = "_q4f16", ["bnb4"] = "_bnb4",
    };

    /// <summary>A Hub id ("Xenova/distilbert-base-uncased-finetuned-sst-2-english") or a local folder.</summary>
    public string Id { get; set; } = "";

    /// <summary>The Hugging Face task the model serves, as the Hub's pipeline tag names it ("summarization").</summary>
    public string Task { get; set; } = "";

    /// <summary>Which ONNX export to use, as transformers.js names them: fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4.</summary>
    public string Dtype { get; set; } = "fp32";

    /// <summary>Download and load at start, so the first visitor does not wait; /readyz waits for it.</summary>
    public bool Preload { get; set; }

    /// <summary>
    /// Encoder-decoder models: load <c>decoder_model</c> + <c>decoder_with_past_model</c> instead of
    /// Optimum's default <c>decoder_model_merged</c> (for repositories that ship only the pair).
    /// </summary>
    public bool SplitDecoder { get; set; }

    /// <summary>Text-to-image: the model's default denoising steps (SD-Turbo: 1 to 4; unset: 25, LCM 4).</summary>
    public int? Steps { get; set; }

    /// <summary>Text-to-image: the model's default guidance scale (SD-Turbo: 0; unset: 7.5).</summary>
    public double? GuidanceScale { get; set; }

    public bool HasKnownDtype => DtypeSuffixes.ContainsKey(Dtype);

    /// <summary>The same entry with another dtype (the fp16 export preferred on CUDA).</summary>
    public LocalModelEntry WithDtype(string dtype)
    {
        var copy = (LocalModelEntry)MemberwiseClone();
        copy.Dtype = dtype;
        return copy;
    }

    /// <summary>
    /// The ONNX file of one graph for this dtype, in the transformers.js / Optimum layout:
    /// <c>onnx/model_quantized.onnx</c> for graph "model" at q8, <c>onnx/encoder_model_fp16.onnx</c>, ...
    /// </summary>
    public string OnnxFile(string graph = "model") => DtypeSuffixes.TryGetValue(Dtype, out var suffix)
        ? $"onnx/{graph}{suffix}.onnx"
        : throw new InvalidOperationException(
            $"Unknown dtype '{Dtype}' for local model '{Id}'; use {string.Join(", ", DtypeSuffixes.Keys)}.");
}
