// Reference outputs from transformers.js for the float16 files of the three text fixtures
// (onnx/*_fp16.onnx, made by to_fp16.py): what dtype "fp16" gives on Node's CPU, so the engine's
// float16 path (float16 logits and key/value caches) is checked token for token like the float32 one.
//
// transformers.js is installed OUTSIDE the repository and resolved from the working directory:
//   mkdir -p /tmp/tjs && cd /tmp/tjs && npm init -y && npm install @huggingface/transformers@4.3.1 --onnxruntime-node-install=skip
//   cd /tmp/tjs && node /path/to/tests/models/make_fp16_reference.mjs > /path/to/tests/models/reference_fp16.json
import path from "node:path";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(path.join(process.cwd(), "noop.js"));
const cjsEntry = require.resolve("@huggingface/transformers");
const packageDir = path.dirname(path.dirname(cjsEntry));
const { env, AutoTokenizer, AutoModelForSequenceClassification, AutoModelForSeq2SeqLM, AutoModelForCausalLM } =
  await import(pathToFileURL(path.join(packageDir, "dist", "transformers.node.mjs")).href);
const version = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")).version;

env.allowRemoteModels = false;
env.localModelPath = path.dirname(fileURLToPath(import.meta.url)) + "/";
const ids = (tensor) => Array.from(tensor.data, Number);

// Sentiment: the logits as float32, and every label's score (softmax in float64). The
// text-classification pipeline of transformers.js 4.3.1 fails on float16 logits (its softmax
// hands a float16 array to a float32 tensor), so the model is called directly.
const texts = ["I love this movie, the acting was wonderful!", "The plot was dull and the ending made no sense.", "Café déjà vu: naïve résumé!"];
const classifierTokenizer = await AutoTokenizer.from_pretrained("distilbert-tiny-random");
const classifier = await AutoModelForSequenceClassification.from_pretrained("distilbert-tiny-random", { dtype: "fp16" });
const classification = [];
for (const text of texts) {
  const { logits } = await classifier(classifierTokenizer(text, { truncation: true }));
  const values = Array.from(logits.to("float32").data, Number);
  const top = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - top));
  const sum = exps.reduce((a, b) => a + b, 0);
  const scores = Object.fromEntries(values.map((_, i) => [classifier.config.id2label[i], exps[i] / sum]));
  classification.push({ text, logits: values, scores });
}

// T5 (encoder and merged decoder): greedy ids, decoder start token first.
const t5Tokenizer = await AutoTokenizer.from_pretrained("t5-tiny-random");
const t5 = await AutoModelForSeq2SeqLM.from_pretrained("t5-tiny-random", { dtype: "fp16" });
const t5Inputs = ["summarize: The quick brown fox jumps over the lazy dog near the river bank.", "translate English to French: Good morning, my friend."];
const textToText = [];
for (const text of t5Inputs) {
  const encoded = t5Tokenizer(text);
  const output = await t5.generate({ ...encoded, max_new_tokens: 20, do_sample: false });
  textToText.push({ text, input_ids: ids(encoded.input_ids), ids: ids(output) });
}

// Llama: greedy new ids after the prompt.
const llamaTokenizer = await AutoTokenizer.from_pretrained("llama-tiny-random");
const llama = await AutoModelForCausalLM.from_pretrained("llama-tiny-random", { dtype: "fp16" });
const prompts = ["Hello, how are you today?", "Write a short poem about the sea."];
const causal = [];
for (const text of prompts) {
  const encoded = llamaTokenizer(text);
  const prompt = ids(encoded.input_ids);
  const output = ids(await llama.generate({ ...encoded, max_new_tokens: 20, do_sample: false }));
  causal.push({ text, input_ids: prompt, new_ids: output.slice(prompt.length) });
}

console.log(JSON.stringify({
  generator: "transformers.js " + version,
  note: "dtype fp16 on Node's CPU (onnxruntime-node), the onnx/*_fp16.onnx files made by to_fp16.py. " +
    "text_classification: the model's logits as float32 and their softmax per label. text_to_text: model.generate() ids (decoder start 0 first, </s> 1 last unless cut), " +
    "max_new_tokens 20, greedy. causal: model.generate() new ids after the prompt, max_new_tokens 20, greedy.",
  text_classification: classification,
  text_to_text: textToText,
  causal,
}, null, 1));
