// Reference token ids and decodes from transformers.js (the Hugging Face reference implementation)
// for a causal-LM tokenizer kit (tokenizer.json + tokenizer_config.json): what the C# byte-level BPE
// and SentencePiece BPE encoders and their incremental decoders must reproduce. The texts are those
// of chat-tokenizer-texts.mjs; the id sequences to decode are each kit's encoded texts plus seeded
// random ids over its whole vocabulary (partial UTF-8, byte-fallback pieces, special tokens anywhere).
//
// transformers.js is installed OUTSIDE the repository and resolved from the working directory:
//   mkdir -p /tmp/tjs && cd /tmp/tjs && npm init -y && npm install @huggingface/transformers@4.3.1 --onnxruntime-node-install=skip
//   cd /tmp/tjs
//   node $REPO/tests/reference/make-chat-tokenizer-reference.mjs $REPO/../shared/models/_tokenizers/smollm2-instruct > $REPO/tests/WebDemo.Inference.Onnx.Tests/Reference/smollm2-instruct-tokenizer.json
//   node $REPO/tests/reference/make-chat-tokenizer-reference.mjs $REPO/../shared/models/_tokenizers/tinyllama-chat > $REPO/tests/WebDemo.Inference.Onnx.Tests/Reference/tinyllama-chat-tokenizer.json
//
// The kits are third-party files in ../shared, never copied here; these outputs are the project's own.
import path from "node:path";
import { readFileSync } from "node:fs";
import { transformers, version } from "./tjs.mjs";
import { texts } from "./chat-tokenizer-texts.mjs";

const { env, AutoTokenizer } = transformers;

const folder = path.resolve(process.argv[2]);
env.allowRemoteModels = false;
env.localModelPath = path.dirname(folder) + "/";
const tokenizer = await AutoTokenizer.from_pretrained(path.basename(folder));

const ids = (text) => Array.from(tokenizer(text).input_ids.data, Number);
const decode = (list) => ({
  decoded: list.length ? tokenizer.decode(list, { skip_special_tokens: true }) : "",
  decodedWithSpecial: list.length ? tokenizer.decode(list, { skip_special_tokens: false }) : "",
});
const encoded = texts.map((text) => ({ text, ids: ids(text), ...decode(ids(text)) }));

// Seeded random id sequences (a small LCG, so the output never changes) over the whole vocabulary.
const json = JSON.parse(readFileSync(path.join(folder, "tokenizer.json"), "utf8"));
const vocabSize = 1 + Math.max(...Object.values(json.model.vocab), ...json.added_tokens.map((t) => t.id));
let state = 12345;
const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
const generated = [];
for (let n = 0; n < 20; n++) {
  const list = Array.from({ length: 5 + Math.floor(next() * 40) }, () => Math.floor(next() * vocabSize));
  generated.push({ ids: list, ...decode(list) });
}

console.log(JSON.stringify({
  generator: "transformers.js " + version,
  tokenizer: path.basename(folder),
  vocabSize,
  encoded,
  generated,
}, null, 1));
