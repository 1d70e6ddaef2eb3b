namespace WebDemo.Inference.Onnx.Tokenization;

/// <summary>One text as token ids with the model's special tokens, ready for its encoder.</summary>
/// <param name="Truncated">True when the text had more tokens than the model accepts and was cut.</param>
internal sealed record EncodedText(int[] Ids, bool Truncated);
