// Reference outputs from transformers.js (the Hugging Face reference implementation) for the
// random-weight fixture in this folder: token ids and text-classification label scores.
//
// transformers.js is installed OUTSIDE the repository and resolved from the working directory:
//   mkdir -p /tmp/tjs && cd /tmp/tjs && npm init -y && npm install @huggingface/transformers@4.3.1 --onnxruntime-node-install=skip
//   cd /tmp/tjs && node /path/to/tests/models/distilbert-tiny-random/make_reference.mjs > /path/to/tests/models/distilbert-tiny-random/reference.json
import path from "node:path";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(path.join(process.cwd(), "noop.js"));
const cjsEntry = require.resolve("@huggingface/transformers"); // .../dist/transformers.node.cjs
const packageDir = path.dirname(path.dirname(cjsEntry));
const { env, pipeline, AutoTokenizer } = await import(pathToFileURL(path.join(packageDir, "dist", "transformers.node.mjs")).href);
const version = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")).version;

const modelDir = path.resolve(process.argv[2] ?? path.dirname(fileURLToPath(import.meta.url)));
env.allowRemoteModels = false;
env.localModelPath = path.dirname(modelDir) + "/";
const modelId = path.basename(modelDir);

// ~700 words, well over 512 tokens: the pipeline must truncate it to model_max_length.
const longSentences = [
  "The film opens on a quiet morning in a small town, and the first hour is honest and warm.",
  "Then the plot turns dark; a stranger comes to the house at night and nobody knows who to trust.",
  "Some scenes are too long, some are too short, and the ending feels like a different movie.",
  "Still, the friendship between the two sisters is played with real care and it is lovely to watch.",
  "We walked along the river until our feet hurt, ate hot soup and talked about the next trip.",
  "Unbelievably, the villain has no reason for anything he does, which is an awful mistake.",
];
const longWords = [];
for (let i = 0; longWords.length < 700; i++) {
  longWords.push(...`Part ${i + 1}: ${longSentences[i % longSentences.length]}`.split(" "));
}
const longText = longWords.join(" ");

const texts = [
  "I love this movie, the acting was wonderful!",
  "The plot was dull and the ending made no sense.",
  "Not bad at all — surprisingly good.",
  "The lovely sisters were walking happily along the rivers.",
  "Café déjà vu: naïve résumé!",
  "東京 is a big city",
  "so good🙂 really",
  "© 2024: it was 1°c warmer ♥ $5 <b>~bold~</b>",
  "Visit https://example.com/path?q=1&lang=en or www.test-site.org/a_b for more.",
  "Unbelievably overhyped; I wanted my money back :(",
  "Thank you very much, it has been a pleasure.",
  "  Tabs\tand\nnew lines   between\u00a0words  ",
  "Supercalifragilisticexpialidocious and a " + "x".repeat(101) + " word",
  longText,
];

const classifier = await pipeline("text-classification", modelId, { dtype: "fp32" });
const tokenizer = await AutoTokenizer.from_pretrained(modelId);
const maxLen = tokenizer.model_max_length;
const sepId = tokenizer.convert_tokens_to_ids("[SEP]");
let truncKeepsSep = null;
const toScores = (list) => Object.fromEntries(list.map((s) => [s.label, s.score]));

const out = [];
for (const text of texts) {
  const ids = Array.from(tokenizer(text).input_ids.data, Number);
  const cut = Array.from(tokenizer(text, { truncation: true }).input_ids.data, Number);
  const scores = toScores(await classifier(text, { top_k: null }));
  out.push({ text, ids, scores, truncated: cut.length < ids.length });
  if (cut.length < ids.length) {
    if (cut.length !== maxLen || cut.some((id, i) => id !== ids[i])) throw new Error("unexpected truncation");
    truncKeepsSep = cut.at(-1) === sepId;
  }
}

// The same texts as one padded batch (padded to the longest, 512 after truncation) must give
// the same scores: the attention mask really masks padded positions.
const batch = await classifier(texts, { top_k: null });
let worst = 0;
batch.forEach((list, i) => {
  const s = toScores(list);
  for (const label of Object.keys(s)) worst = Math.max(worst, Math.abs(s[label] - out[i].scores[label]));
});
if (worst > 1e-5) throw new Error(`padded batch differs from single texts by ${worst}`);
const spread = out.map((e) => e.scores.POSITIVE);

const header = {
  generator: "transformers.js " + version,
  model: modelId,
  note: `ids are tokenizer(text).input_ids without truncation; scores are pipeline("text-classification", {top_k: null}), ` +
    `which truncates to model_max_length ${maxLen}; "truncated" marks texts where it did. ` +
    (truncKeepsSep === false
      ? `transformers.js truncates AFTER adding [CLS]/[SEP]: the model saw ids.slice(0, ${maxLen}), whose last id is a word piece, NOT [SEP] ` +
        `(Python transformers would give [CLS] + ${maxLen - 2} tokens + [SEP]). `
      : `The model saw [CLS] + ${maxLen - 2} tokens + [SEP]. `) +
    `All texts as one padded batch matched the single-text scores to ${worst.toExponential(1)}. ` +
    `POSITIVE ranges ${Math.min(...spread).toFixed(3)}..${Math.max(...spread).toFixed(3)}. Weights are random: labels are meaningless but exact.`,
};
// One field per line, id arrays kept on one line.
const json = "{\n" + Object.entries(header).map(([k, v]) => ` ${JSON.stringify(k)}: ${JSON.stringify(v)},\n`).join("") +
  ' "texts": [\n' + out.map((e) => `  {\n   "text": ${JSON.stringify(e.text)},\n   "ids": ${JSON.stringify(e.ids)},\n` +
    `   "scores": ${JSON.stringify(e.scores)},\n   "truncated": ${e.truncated}\n  }`).join(",\n") + "\n ]\n}";
JSON.parse(json);
console.log(json);
