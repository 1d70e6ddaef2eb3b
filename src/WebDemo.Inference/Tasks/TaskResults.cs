namespace WebDemo.Inference.Tasks;

// Results of the Hugging Face tasks whose pages are still to come, in the shapes of the HF
// task specifications, so the cloud client, the local backends and the app's API share them.

/// <summary>Summarization: <c>{summary_text}</c>.</summary>
public sealed record SummarizationResult(string SummaryText);

/// <summary>Translation: <c>{translation_text}</c>.</summary>
public sealed record TranslationResult(string TranslationText);

/// <summary>Token classification (NER) with aggregation: <c>{entity_group, score, word, start, end}</c>.</summary>
public sealed record TokenEntity(string EntityGroup, double Score, string Word, int? Start, int? End);

/// <summary>Question answering: <c>{answer, score, start, end}</c>.</summary>
public sealed record AnswerSpan(string Answer, double Score, int? Start, int? End);

/// <summary>Text to image: the image's bytes and media type.</summary>
public sealed record GeneratedImage(byte[] Bytes, string ContentType);
