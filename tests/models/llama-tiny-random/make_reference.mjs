// Reference outputs from transformers.js (the Hugging Face reference implementation) for the
// random-weight Llama in this folder: token ids and decodes of the shared chat-tokenizer texts,
// chat-template renders, greedy generations with and without the KV cache, the first step's
// top-5 logits, a left-padded batch and the text-generation pipeline.
//
// transformers.js is installed OUTSIDE the repository and resolved from the working directory:
//   mkdir -p /tmp/tjs && cd /tmp/tjs && npm init -y && npm install @huggingface/transformers@4.3.1 --onnxruntime-node-install=skip
//   cd /tmp/tjs && node /path/to/tests/models/llama-tiny-random/make_reference.mjs > /path/to/tests/models/llama-tiny-random/reference.json
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fmt, ortVersion, transformers, version } from "../../reference/tjs.mjs";
import { texts } from "../../reference/chat-tokenizer-texts.mjs";

const { env, pipeline, AutoTokenizer, AutoModelForCausalLM } = transformers;
const here = path.dirname(fileURLToPath(import.meta.url));

const modelDir = path.resolve(process.argv[2] ?? here);
env.allowRemoteModels = false;
env.localModelPath = path.dirname(modelDir) + "/";
const modelId = path.basename(modelDir);

const tokenizer = await AutoTokenizer.from_pretrained(modelId);
const model = await AutoModelForCausalLM.from_pretrained(modelId, { dtype: "fp32" });
const ids = (t) => Array.from(t.data ?? t, Number);
// decode() rejects an empty list (the empty text, a generation that stops at once): "" then.
const decode = (list) => ({
  decoded: list.length ? tokenizer.decode(list, { skip_special_tokens: true }) : "",
  decodedWithSpecial: list.length ? tokenizer.decode(list, { skip_special_tokens: false }) : "",
});
const encoded = texts.map((text) => {
  const list = ids(tokenizer(text).input_ids);
  return { text, ids: list, tokens: tokenizer.tokenize(text), ...decode(list) };
});

const conversations = [
  { name: "user_only", messages: [{ role: "user", content: "Hi!" }] },
  { name: "system_user", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "What is the capital of France?" }] },
  { name: "multi_turn", messages: [
    { role: "user", content: "Hello! How can I help you today?" }, { role: "assistant", content: "Tell me a joke." },
    { role: "user", content: "Why is the sky blue?" }] },
  { name: "unicode", messages: [{ role: "user", content: "Grüße, 東京 🙂 — café?" }] },
];
const templates = conversations.map(({ name, messages }) => ({
  name, messages,
  text: tokenizer.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true }),
  ids: tokenizer.apply_chat_template(messages, { tokenize: true, add_generation_prompt: true, return_tensor: false }).input_ids.map(Number),
}));

const prompts = [
  ...["Hello world", "The quick brown fox jumps over the lazy dog.", "Once upon a time", "12 + 30 =",
    "Café déjà vu: naïve résumé!", "def add(a, b):\n    return", "東京 🙂", " ", "The farmer sold a small house because the children moved to London."]
    .map((text, i) => ({ name: `text_${i}`, text })),
  ...templates.map((t) => ({ name: `chat_${t.name}`, text: t.text })),
];

// Appended after transformers.js's own logits processors: the gap between the best and second-best
// score per step (how far greedy is from a tie).
function marginRecorder() {
  const margins = [];
  const fn = (_ids, logits) => {
    for (let b = 0; b < logits.dims[0]; b++) {
      let best = -Infinity, second = -Infinity;
      for (const x of logits[b].data) { if (x > best) { second = best; best = x; } else if (x > second) second = x; }
      margins.push(best - second);
    }
    return logits;
  };
  return { fn, margins };
}
const params = { max_new_tokens: 20, do_sample: false };
let worstMargin = Infinity;
async function generate(enc, extra = {}) {
  const rec = marginRecorder();
  const out = await model.generate({ ...enc, ...params, ...extra, logits_processor: [rec.fn] });
  worstMargin = Math.min(worstMargin, ...rec.margins);
  return out.tolist().map((r) => r.map(Number));
}

const generations = [];
for (const { name, text } of prompts) {
  const enc = tokenizer(text);
  const input = ids(enc.input_ids);
  const [withCache] = await generate(enc);
  const [withoutCache] = await generate(enc, { use_cache: false });
  if (withCache.join() !== withoutCache.join()) throw new Error(`${name}: use_cache false differs`);
  const newIds = withCache.slice(input.length);
  generations.push({ name, text, input_ids: input, new_ids: newIds,
    ended_at_eos: newIds.at(-1) === model.generation_config.eos_token_id, ...decode(newIds) });
}

// The first step for one prompt, no cache: logits of the last position.
const fsEnc = tokenizer(prompts[0].text);
const fsOut = await model(fsEnc);
const [, S, V] = fsOut.logits.dims;
const last = Array.from(fsOut.logits.data.slice((S - 1) * V, S * V));
const top5 = last.map((x, i) => [x, i]).sort((a, b) => b[0] - a[0]).slice(0, 5);
const firstStep = { text: prompts[0].text, input_ids: ids(fsEnc.input_ids), logits_shape: fsOut.logits.dims,
  top5: { ids: top5.map((x) => x[1]), logits: top5.map((x) => x[0]) } };

// A left-padded batch (pad = <|im_end|> = eos): rows that finish keep going until all are done.
tokenizer.padding_side = "left";
const batchTexts = [prompts[0].text, prompts[2].text, prompts[9].text];
const batchEnc = tokenizer(batchTexts, { padding: true });
const batchRows = await generate(batchEnc);
const batch = { texts: batchTexts, input_ids: batchEnc.input_ids.tolist().map((r) => r.map(Number)),
  attention_mask: batchEnc.attention_mask.tolist().map((r) => r.map(Number)), ids: batchRows };
tokenizer.padding_side = "right";

// The text-generation pipeline on chat messages (it applies the chat template itself).
const generator = await pipeline("text-generation", modelId, { dtype: "fp32" });
const pipelineRuns = [];
for (const c of conversations.slice(0, 2)) {
  const output = await generator(c.messages, { max_new_tokens: 20, do_sample: false });
  pipelineRuns.push({ messages: c.messages, params: { max_new_tokens: 20, do_sample: false }, output });
}

const greedyLens = generations.map((g) => g.new_ids.length);
const header = {
  generator: `transformers.js ${version} (onnxruntime-node ${ortVersion})`,
  model: modelId,
  note: "Weights are random: outputs are meaningless but exact. encoded: tokenizer(text).input_ids (no BOS: the " +
    "tokenizer adds none), tokenize(text), decode(ids) with and without skip_special_tokens. templates: " +
    "apply_chat_template(messages, {add_generation_prompt: true}) as text and ids. generations: model.generate() with " +
    "max_new_tokens 20, do_sample false on tokenizer(text); new_ids are the generated ids after the prompt (eos " +
    "<|im_end|> = 2 last when reached), identical with use_cache false; decoded = decode(new_ids, skip_special_tokens). " +
    "batch: left padding with <|im_end|> (2), attention_mask 0 there; ids are the full rows (prompt and new tokens).",
  special_ids: { "<|endoftext|>": 0, "<|im_start|>": 1, "<|im_end|>": 2, bos: 1, eos: 2, pad: 2, vocab_size: model.config.vocab_size },
  summary: `${encoded.length} texts, ${templates.length} templates, ${generations.length} greedy generations (new tokens ${greedyLens.join(", ")}); smallest margin ${worstMargin.toFixed(4)}`,
};

const json = fmt({ ...header, encoded, templates, generations, first_step: firstStep, batch, pipelines: pipelineRuns });
JSON.parse(json);
console.log(json);
if (worstMargin < 1e-3) console.error(`warning: a greedy step is within ${worstMargin} of a tie`);
