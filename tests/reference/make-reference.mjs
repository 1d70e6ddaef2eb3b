// Reference outputs from transformers.js (the Hugging Face reference implementation) for the
// shared model files: token ids and label scores the C# pipeline must reproduce.
//
//   npm install @huggingface/transformers --onnxruntime-node-install=skip
//   node make-reference.mjs ../../../shared > ../WebDemo.Inference.Onnx.Tests/Reference/transformersjs.json
import { env, pipeline, AutoTokenizer } from "@huggingface/transformers";
import path from "node:path";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const shared = path.resolve(process.argv[2] ?? "../../../shared");
env.allowRemoteModels = false;
env.localModelPath = path.join(shared, "models") + "/";

const sentences = [
  "I love this movie, the acting was wonderful!",
  "The plot was dull and the ending made no sense.",
  "a gorgeous , witty , seductive movie .",
  "it 's a lousy one at that .",
  "Not bad at all — surprisingly good.",
  "Café déjà vu: naïve résumé!",
  "東京 is a big city, 北京 too.",
  "Unbelievably overhyped; I wanted my money back :(",
  "Mixed feelings... great visuals, weak story.",
  "🙂 emojis and @mentions #hashtags http://example.com/x?y=1",
  "so good🙂 really, a 🎉🎉 party",
  "𝒜 math letters and 😡 anger",
  "© 2024: it was 1°c warmer ♥ $5 <b>~bold~</b>",
  "",
];

const classifier = await pipeline("text-classification", "sentiment", { dtype: "fp32" });
const sentimentTokenizer = await AutoTokenizer.from_pretrained("sentiment");
const sentiment = [];
for (const text of sentences.filter((s) => s.length > 0)) {
  const scores = await classifier(text, { top_k: null });
  const ids = Array.from(sentimentTokenizer(text).input_ids.data, Number);
  sentiment.push({ text, ids, scores: Object.fromEntries(scores.map((s) => [s.label, s.score])) });
}

// A cased WordPiece tokenizer whose repo ships vocab.txt and tokenizer.json.
const nerTokenizer = await AutoTokenizer.from_pretrained("_tokenizers/ner-bert-base-NER");
const cased = ["Hugging Face is based in New York City.", "Angela Merkel met Emmanuel Macron in Paris.", ...sentences.slice(5, 7)]
  .map((text) => ({ text, ids: Array.from(nerTokenizer(text).input_ids.data, Number) }));

const packageDir = path.dirname(createRequire(import.meta.url).resolve("@huggingface/transformers")).replace(/\/dist$/, "");
const version = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")).version;
console.log(JSON.stringify({ generator: "transformers.js " + version, sentiment, cased }, null, 1));
