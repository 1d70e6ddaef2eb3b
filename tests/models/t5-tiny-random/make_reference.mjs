// Reference outputs from transformers.js (the Hugging Face reference implementation) for the
// random-weight T5 in this folder: token ids, decodes, generations with several settings, the
// first decoder step's top-5 logits, pipeline outputs and a padded batch.
//
// transformers.js is installed OUTSIDE the repository and resolved from the working directory:
//   mkdir -p /tmp/tjs && cd /tmp/tjs && npm init -y && npm install @huggingface/transformers@4.3.1 --onnxruntime-node-install=skip
//   cd /tmp/tjs && node /path/to/tests/models/t5-tiny-random/make_reference.mjs > /path/to/tests/models/t5-tiny-random/reference.json
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fmt, ortVersion, transformers, version } from "../../reference/tjs.mjs";

const { env, pipeline, AutoTokenizer, AutoModelForSeq2SeqLM, Tensor } = transformers;

const modelDir = path.resolve(process.argv[2] ?? path.dirname(fileURLToPath(import.meta.url)));
env.allowRemoteModels = false;
env.localModelPath = path.dirname(modelDir) + "/";
const modelId = path.basename(modelDir);

const tokenizer = await AutoTokenizer.from_pretrained(modelId);
const model = await AutoModelForSeq2SeqLM.from_pretrained(modelId, { dtype: "fp32" });
const maxLen = tokenizer.model_max_length;

// A text well over model_max_length (512) tokens.
const longSentences = [
  "The mayor opened the new bridge in Berlin last year, and the city council said it would help the market.",
  "Scientists say the new vaccine is safe and works well in older people.",
  "Prices rose by 3.5 percent in March, the highest rate in ten years.",
  "The farmer sold a small house near the river because the children moved to London.",
  "The weather will be sunny tomorrow, with a high of 25 degrees.",
];
const longParts = [];
for (let i = 0; longParts.join(" ").split(" ").length < 420; i++) longParts.push(longSentences[i % longSentences.length]);
const longText = "summarize: " + longParts.join(" ");

const inputs = [
  { name: "summarize_short", text: "summarize: The quick brown fox jumps over the lazy dog." },
  { name: "translate_de", text: "translate English to German: The house is wonderful." },
  { name: "translate_fr_accents", text: "translate English to French: Where is the train station? Café, naïve, déjà vu." },
  { name: "translate_ro", text: "translate English to Romanian: Thank you very much for your help!" },
  { name: "unicode", text: "Grüße, 東京 🙂" },
  { name: "empty", text: "" },
  { name: "prefix_only", text: "summarize: " },
  { name: "sentinels", text: "The <extra_id_0> walks in <extra_id_1> park." },
  { name: "long_truncated", text: longText },
  { name: "digits_accents", text: "translate English to German: On 12 March 2024 the café in Zürich sold 1,250 crêpes at 3.50 € each (déjà 90%)." },
];

// Generation settings. max_new_tokens bounds every run (transformers.js's default max_length is 20
// when neither is given; the text2text pipelines default to max_new_tokens 256).
const settings = {
  greedy: { max_new_tokens: 20 },
  no_repeat_ngram_size_2: { max_new_tokens: 20, no_repeat_ngram_size: 2 },
  repetition_penalty_1_5: { max_new_tokens: 20, repetition_penalty: 1.5 },
  min_new_tokens_5: { max_new_tokens: 20, min_new_tokens: 5 },
  min_length_6: { max_new_tokens: 20, min_length: 6 },
  beams_4: { max_new_tokens: 20, num_beams: 4, length_penalty: 2.0, early_stopping: true },
  summarization_task_params: { num_beams: 4, length_penalty: 2.0, early_stopping: true, no_repeat_ngram_size: 3,
    min_length: 30, max_length: 200 },
};

const ids = (t) => Array.from(t.data ?? t, Number);
const encodeIds = (text, opts = {}) => ids(tokenizer(text, opts).input_ids);
const decodeBoth = (seq) => ({
  skip_special_tokens: tokenizer.decode(seq, { skip_special_tokens: true }),
  with_special_tokens: tokenizer.decode(seq, { skip_special_tokens: false }),
});

// Appended after transformers.js's own logits processors: records, per step and row, the gap
// between the best and second-best processed score (how far greedy is from a tie).
function marginRecorder() {
  const margins = [];
  const fn = (inputIds, logits) => {
    for (let b = 0; b < logits.dims[0]; b++) {
      const row = logits[b].data;
      let best = -Infinity, second = -Infinity;
      for (const x of row) {
        if (x > best) { second = best; best = x; } else if (x > second) second = x;
      }
      margins.push(best - second);
    }
    return logits;
  };
  return { fn, margins };
}

async function generate(enc, params) {
  const rec = marginRecorder();
  const out = await model.generate({ ...enc, ...params, logits_processor: [rec.fn] });
  return { rows: out.tolist().map((r) => r.map(Number)), minMargin: Math.min(...rec.margins) };
}

let worstMargin = Infinity;
const inputEntries = [];
for (const { name, text } of inputs) {
  const full = encodeIds(text);
  const enc = tokenizer(text, { truncation: true });
  const modelIds = ids(enc.input_ids);
  const entry = {
    name, text, ids: full, truncated: modelIds.length < full.length, model_input_ids: modelIds,
    tokens: tokenizer.tokenize(text), decode: decodeBoth(full), generate: {},
  };
  for (const [key, params] of Object.entries(settings)) {
    const { rows, minMargin } = await generate(enc, params);
    worstMargin = Math.min(worstMargin, minMargin);
    const seq = rows[0];
    entry.generate[key] = { params, ids: seq, text: tokenizer.decode(seq, { skip_special_tokens: true }),
      text_with_special: tokenizer.decode(seq, { skip_special_tokens: false }), min_margin: minMargin };
  }
  inputEntries.push(entry);
}

// First decoder step for one input: decoder_input_ids [[0]] (decoder_start_token_id), no cache.
const fsText = inputs[0].text;
const fsEnc = tokenizer(fsText);
const fsOut = await model({ ...fsEnc, decoder_input_ids: new Tensor("int64", [0n], [1, 1]) });
const fsLogits = Array.from(fsOut.logits.data);
const top5 = fsLogits.map((x, i) => [x, i]).sort((a, b) => b[0] - a[0]).slice(0, 5);
const firstStep = {
  text: fsText, input_ids: ids(fsEnc.input_ids), decoder_input_ids: [0],
  logits_shape: fsOut.logits.dims,
  top5: { ids: top5.map((x) => x[1]), logits: top5.map((x) => x[0]) },
  logits_head: fsLogits.slice(0, 8),
};

// Pipelines. The summarization pipeline prepends task_specific_params.summarization.prefix
// ("summarize: "); the translation pipeline, created as "translation", adds no prefix
// (transformers.js 4.3.1 rejects the task name "translation_en_to_de"), so the text carries it.
const summarizer = await pipeline("summarization", modelId, { dtype: "fp32" });
const translator = await pipeline("translation", modelId, { dtype: "fp32" });
const t2t = await pipeline("text2text-generation", modelId, { dtype: "fp32" });
let translationTaskNameError = null;
try { await pipeline("translation_en_to_de", modelId, { dtype: "fp32" }); } catch (e) { translationTaskNameError = String(e.message).split(".")[0]; }
const pipelines = [
  { task: "summarization", input: "The quick brown fox jumps over the lazy dog.", params: { max_new_tokens: 20 },
    output: await summarizer("The quick brown fox jumps over the lazy dog.", { max_new_tokens: 20 }) },
  { task: "summarization", input: "Prices rose by 3.5 percent in March.", params: {},
    output: await summarizer("Prices rose by 3.5 percent in March.") },
  { task: "translation", input: "translate English to German: The house is wonderful.", params: { max_new_tokens: 20 },
    output: await translator("translate English to German: The house is wonderful.", { max_new_tokens: 20 }) },
  { task: "text2text-generation", input: "Grüße, 東京 🙂", params: { max_new_tokens: 20 },
    output: await t2t("Grüße, 東京 🙂", { max_new_tokens: 20 }) },
];

// A padded batch: right padding with <pad> (0), attention_mask 0 there. Rows that reach </s>
// are NOT stopped or padded: transformers.js keeps generating for them until every row is done.
const batchTexts = [inputs[0].text, inputs[2].text, inputs[4].text]; // the second reaches </s> after 5 tokens
const batchEnc = tokenizer(batchTexts, { padding: true, truncation: true });
const batchGen = await generate(batchEnc, settings.greedy);
const batch = {
  texts: batchTexts, input_ids: batchEnc.input_ids.tolist().map((r) => r.map(Number)),
  attention_mask: batchEnc.attention_mask.tolist().map((r) => r.map(Number)),
  params: settings.greedy, ids: batchGen.rows,
  texts_out: tokenizer.batch_decode(batchGen.rows, { skip_special_tokens: true }),
  ended_at_eos: batchGen.rows.map((row) => row.indexOf(1)),
  same_as_single_up_to_eos: batchGen.rows.map((row, i) => {
    const single = inputEntries.find((e) => e.text === batchTexts[i]).generate.greedy.ids;
    const eos = single.indexOf(1);
    const n = eos < 0 ? single.length : eos + 1;
    return row.slice(0, n).every((x, j) => x === single[j]);
  }),
};
if (!batch.same_as_single_up_to_eos.every(Boolean)) throw new Error("padded batch differs from single runs");

// Decode round trips of single ids and special tokens.
const sentinelIds = ["<extra_id_0>", "<extra_id_1>", "<extra_id_99>"].map((t) => tokenizer.convert_tokens_to_ids(t));
const decodes = [
  [0], [1], [2], [0, 1], sentinelIds, [inputEntries[0].ids[0], 1, inputEntries[0].ids[1]],
  [...inputEntries[0].ids.slice(0, 5), 1], [0, ...inputEntries[0].ids.slice(0, 5), 1, 0, 0],
  [3], [3, 3], [2, 3, 1], [sentinelIds[0], ...inputEntries[0].ids.slice(5, 8), sentinelIds[1]],
  [500, 511], // ids past the tokenizer's 500 tokens (vocab_size is 512): decoded as <unk>
].map((seq) => ({ ids: seq, ...decodeBoth(seq) }));

const greedyLens = inputEntries.map((e) => e.generate.greedy.ids.length - 1);
const header = {
  generator: `transformers.js ${version} (onnxruntime-node ${ortVersion})`,
  model: modelId,
  note: "Weights are random: outputs are meaningless but exact. " +
    "ids = tokenizer(text).input_ids, no truncation (</s> = 1 appended, no BOS). " +
    `model_input_ids = tokenizer(text, {truncation: true}).input_ids, what generate() and the pipelines feed the encoder: truncated to model_max_length ${maxLen} ` +
    "AFTER </s> is appended, so a truncated input ends with a word piece and has no </s> (Python transformers keeps </s>). " +
    "generate.*.ids are model.generate() outputs: decoder_start_token_id 0 first, then the new tokens, </s> (1) last unless max_new_tokens/max_length cut it. " +
    "text = decode(skip_special_tokens: true), text_with_special = decode(skip_special_tokens: false); clean_up_tokenization_spaces is true. " +
    "min_margin = smallest gap between the best and second-best processed logit over the run's steps (greedy ties would be fragile). " +
    "transformers.js 4.3.1 has NO beam search: with num_beams > 1 it takes the single best token each step, so beams_4 and summarization_task_params " +
    "are greedy runs with their logits processors (length_penalty and early_stopping have no effect). " +
    "min_length counts the decoder start token (min_length 6 = min_new_tokens 5). " +
    "Repetition penalty and no_repeat_ngram_size see the decoder start token 0 as part of the sequence.",
  model_max_length: maxLen,
  special_ids: { pad: 0, eos: 1, unk: 2, decoder_start: 0, "<extra_id_0>": sentinelIds[0], "<extra_id_99>": sentinelIds[2], vocab_size: model.config.vocab_size },
  summary: `${inputEntries.length} inputs x ${Object.keys(settings).length} settings; greedy new-token counts ${greedyLens.join(", ")}; smallest margin ${worstMargin.toFixed(4)}`,
  translation_task_name_error: translationTaskNameError,
};

const json = fmt({ ...header, inputs: inputEntries, first_step: firstStep, pipelines, batch, decodes });
JSON.parse(json);
console.log(json);
if (worstMargin < 1e-4) console.error(`warning: a greedy step is within ${worstMargin} of a tie`);
