// Called by make_model.py on a freshly built model folder, before anything is copied into place:
//   node check_onnx.mjs <folder>      (working directory: where @huggingface/transformers is installed)
// <folder>/_check.json holds torch outputs and the script's own BPE ids written by make_model.py.
// 1. ONNX Runtime (onnxruntime-node, the one transformers.js runs) must reproduce torch on a
//    left-padded batch without cache (all positions at once, empty past tensors), and torch's
//    greedy continuation when fed token by token with the cache (logits compared at every step).
// 2. transformers.js on tokenizer.json must give the ids of make_model.py's own BPE encoder.
// Exits non-zero on any failure.
import path from "node:path";
import { readFileSync } from "node:fs";
import { i64, maxAbs, maxDiff, ort, transformers } from "../../reference/tjs.mjs";

const { env, AutoTokenizer } = transformers;

const dir = path.resolve(process.argv[2]);
const { vectors: v, tokenizer: tokCases } = JSON.parse(readFileSync(path.join(dir, "_check.json"), "utf8"));
let failed = false;

function report(what, ok, detail) {
  console.log(`  ${ok ? "ok  " : "FAIL"} ${what}: ${detail}`);
  if (!ok) failed = true;
}

const session = await ort.InferenceSession.create(path.join(dir, "onnx", "model.onnx"));
console.log(`  inputs: ${session.inputNames.join(", ")}`);
console.log(`  outputs: ${session.outputNames.join(", ")}`);
const L = v.num_layers, H = v.num_kv_heads, D = v.head_dim;
const pastNames = [];
for (let i = 0; i < L; i++) for (const kv of ["key", "value"]) pastNames.push(`past_key_values.${i}.${kv}`);
const emptyPast = (b) => Object.fromEntries(pastNames.map((n) => [n, new ort.Tensor("float32", new Float32Array(0), [b, H, 0, D])]));

// (a) the padded batch, all positions at once, empty cache
{
  const out = await session.run({ input_ids: i64(v.input_ids), attention_mask: i64(v.attention_mask),
    position_ids: i64(v.position_ids), ...emptyPast(v.input_ids.length) });
  // Rows of padding positions are meaningless (every key masked); compare the real positions only.
  const [B, T, V] = v.shape_logits;
  let diff = 0;
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
    if (!v.attention_mask[b][t]) continue;
    const o = out.logits.data.subarray((b * T + t) * V, (b * T + t + 1) * V);
    diff = Math.max(diff, maxDiff(Array.from(o), v.logits.slice((b * T + t) * V, (b * T + t + 1) * V)));
  }
  const scale = maxAbs(v.logits);
  report(`padded batch [${out.logits.dims}] without cache`, diff <= 1e-4 * Math.max(1, scale),
    `max |onnx - torch| = ${diff.toExponential(2)} (logits up to ${scale.toFixed(2)})`);
  for (const n of pastNames) {
    const p = out[n.replace("past_key_values", "present")];
    if (p.dims.join() !== [B, H, T, D].join()) report(`present shape ${n}`, false, `${p.dims}`);
  }
}

// (b) greedy with the cache, one prompt at a time: the first step feeds the prompt, later steps one token
for (const { ids, new: expected } of v.greedy) {
  let feeds = { input_ids: i64([ids]), attention_mask: i64([ids.map(() => 1)]), position_ids: i64([ids.map((_, i) => i)]), ...emptyPast(1) };
  const got = [];
  let total = ids.length;
  while (got.length < expected.length) {
    const out = await session.run(feeds);
    const V = out.logits.dims[2], S = out.logits.dims[1];
    const last = out.logits.data.subarray((S - 1) * V, S * V);
    let best = 0;
    for (let i = 1; i < V; i++) if (last[i] > last[best]) best = i;
    got.push(best);
    total += 1;
    feeds = { input_ids: i64([[best]]), attention_mask: i64([Array(total).fill(1)]), position_ids: i64([[total - 1]]) };
    for (const n of pastNames) feeds[n] = out[n.replace("past_key_values", "present")];
  }
  report(`greedy with cache from ${ids.length} tokens`, got.join() === expected.join(), `[${got.join(", ")}]`);
}

// (c) tokenizer.json through transformers.js vs make_model.py's BPE
env.allowRemoteModels = false;
env.localModelPath = path.dirname(dir) + "/";
const tokenizer = await AutoTokenizer.from_pretrained(path.basename(dir));
let bad = 0;
for (const { text, ids } of tokCases) {
  const got = Array.from(tokenizer(text).input_ids.data, Number);
  if (got.join() !== ids.join()) {
    if (bad++ < 5) console.log(`  tokenizer differs on ${JSON.stringify(text)}: ${got} vs ${ids}`);
  }
}
report(`tokenizer.json (transformers.js) vs make_model.py's BPE on ${tokCases.length} strings`, bad === 0, `${bad} differ`);
process.exit(failed ? 1 : 0);
