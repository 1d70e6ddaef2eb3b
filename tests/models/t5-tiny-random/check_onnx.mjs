// Called by make_model.py on a freshly built model folder, before anything is copied into place:
//   node check_onnx.mjs <folder>      (working directory: where @huggingface/transformers is installed)
// <folder>/_check.json holds torch outputs and SentencePiece ids written by make_model.py.
// 1. ONNX Runtime (onnxruntime-node, the one transformers.js runs) must reproduce the torch
//    encoder, the merged decoder without cache (all positions at once) and the merged decoder
//    with cache, one token at a time, the way a generation loop feeds it.
//    The split decoders (decoder_model.onnx, then decoder_with_past_model.onnx step by step) must
//    have Optimum's inputs and outputs, reproduce torch, and generate greedily exactly as the merged
//    decoder does (logits within 1e-5 at every step, the same ids).
// 2. transformers.js on tokenizer.json must give the same ids as spiece.model (SentencePiece).
// Exits non-zero on any failure.
import path from "node:path";
import { readFileSync } from "node:fs";
import { i64, maxAbs, maxDiff, ort, transformers } from "../../reference/tjs.mjs";

const { env, AutoTokenizer } = transformers;

const dir = path.resolve(process.argv[2]);
const { vectors: v, tokenizer: tokCases } = JSON.parse(readFileSync(path.join(dir, "_check.json"), "utf8"));
let failed = false;

function report(what, diff, scale, tol = 1e-4) {
  const ok = diff <= tol * Math.max(1, scale);
  console.log(`  ${ok ? "ok  " : "FAIL"} ${what}: max |onnx - torch| = ${diff.toExponential(2)} (values up to ${scale.toFixed(2)})`);
  if (!ok) failed = true;
}

// ---- encoder
const enc = await ort.InferenceSession.create(path.join(dir, "onnx", "encoder_model.onnx"));
const encOut = await enc.run({ input_ids: i64(v.input_ids), attention_mask: i64(v.attention_mask) });
report(`encoder last_hidden_state [${encOut.last_hidden_state.dims}]`, maxDiff(encOut.last_hidden_state.data, v.last_hidden_state), maxAbs(v.last_hidden_state));
// The decoder checks below take torch's encoder output, so that they test the decoder alone; the
// random weights amplify float rounding (peaky attention), see the end-to-end line at the end.
const hidden = new ort.Tensor("float32", Float32Array.from(v.last_hidden_state), encOut.last_hidden_state.dims);

// ---- merged decoder
const dec = await ort.InferenceSession.create(path.join(dir, "onnx", "decoder_model_merged.onnx"));
console.log(`  decoder inputs: ${dec.inputNames.join(", ")}`);
console.log(`  decoder outputs: ${dec.outputNames.join(", ")}`);
const [B, T, V] = v.shape_logits;
const L = v.num_layers, H = v.num_heads, D = v.d_kv;
const empty = () => new ort.Tensor("float32", new Float32Array(0), [B, H, 0, D]);
const emptyPast = () => {
  const feeds = {};
  for (let i = 0; i < L; i++) for (const part of ["decoder", "encoder"]) for (const kv of ["key", "value"]) feeds[`past_key_values.${i}.${part}.${kv}`] = empty();
  return feeds;
};
const mask = i64(v.attention_mask);
const cols = (from, to) => v.decoder_input_ids.map((r) => r.slice(from, to));
const logitsAt = (t) => { // torch logits at position t: [B, V]
  const out = [];
  for (let b = 0; b < B; b++) out.push(...v.logits.slice((b * T + t) * V, (b * T + t + 1) * V));
  return out;
};
const logitsScale = maxAbs(v.logits);

// (a) all positions at once, no cache
{
  const out = await dec.run({
    encoder_attention_mask: mask, input_ids: i64(v.decoder_input_ids), encoder_hidden_states: hidden,
    ...emptyPast(), use_cache_branch: new ort.Tensor("bool", [false], [1]),
  });
  report(`decoder without cache, ${T} positions, logits [${out.logits.dims}]`, maxDiff(out.logits.data, v.logits), logitsScale);
}

// (b) a prefix of `first` tokens without cache, then one token at a time with the cache
for (const first of [1, 3]) {
  let out = await dec.run({
    encoder_attention_mask: mask, input_ids: i64(cols(0, first)), encoder_hidden_states: hidden,
    ...emptyPast(), use_cache_branch: new ort.Tensor("bool", [false], [1]),
  });
  let worst = 0;
  for (let t = 0; t < first; t++) {
    const got = [];
    for (let b = 0; b < B; b++) got.push(...out.logits.data.slice((b * first + t) * V, (b * first + t + 1) * V));
    worst = Math.max(worst, maxDiff(got, logitsAt(t)));
  }
  const encoderKv = {};
  for (let i = 0; i < L; i++) for (const kv of ["key", "value"]) encoderKv[`past_key_values.${i}.encoder.${kv}`] = out[`present.${i}.encoder.${kv}`];
  let emptyEncoderPresent = true;
  for (let t = first; t < T; t++) {
    const feeds = { encoder_attention_mask: mask, input_ids: i64(cols(t, t + 1)), encoder_hidden_states: hidden,
      ...encoderKv, use_cache_branch: new ort.Tensor("bool", [true], [1]) };
    for (let i = 0; i < L; i++) for (const kv of ["key", "value"]) feeds[`past_key_values.${i}.decoder.${kv}`] = out[`present.${i}.decoder.${kv}`];
    out = await dec.run(feeds);
    worst = Math.max(worst, maxDiff(out.logits.data, logitsAt(t)));
    if (out["present.0.decoder.key"].dims[2] !== t + 1) throw new Error("decoder cache did not grow by one");
    emptyEncoderPresent &&= out["present.0.encoder.key"].dims.join() === `0,${H},1,${D}`;
  }
  report(`decoder: ${first} token(s) without cache, then ${T - first} steps with cache`, worst, logitsScale);
  if (!emptyEncoderPresent) { console.log("  FAIL present.*.encoder.* of the cache branch are not empty [0, heads, 1, d_kv]"); failed = true; }
}

// (c) end to end: ONNX encoder output into the ONNX decoder
{
  const out = await dec.run({
    encoder_attention_mask: mask, input_ids: i64(v.decoder_input_ids), encoder_hidden_states: encOut.last_hidden_state,
    ...emptyPast(), use_cache_branch: new ort.Tensor("bool", [false], [1]),
  });
  report("encoder + decoder end to end (rounding amplified by the random weights)", maxDiff(out.logits.data, v.logits), logitsScale, 1e-3);
}

// ---- split decoders (Optimum's decoder_model.onnx + decoder_with_past_model.onnx)
// The same two graphs the merged file holds in its If branches. Checked: their inputs and outputs
// (names, order, dtypes, shapes), torch's logits step by step, and greedy generation against the
// merged decoder (logits at every step, ids).
const decNoPast = await ort.InferenceSession.create(path.join(dir, "onnx", "decoder_model.onnx"));
const decPast = await ort.InferenceSession.create(path.join(dir, "onnx", "decoder_with_past_model.onnx"));
{
  const E = v.shape_hidden[2];
  const kv = (prefix, len, withEncoder = true) => {
    const out = [];
    for (let i = 0; i < L; i++) for (const part of withEncoder ? ["decoder", "encoder"] : ["decoder"]) for (const k of ["key", "value"])
      out.push([`${prefix}.${i}.${part}.${k}`, "float32", ["batch_size", H, part === "decoder" ? len : "encoder_sequence_length_out", D]]);
    return out;
  };
  const expected = {
    "decoder_model.onnx": [decNoPast, [
      ["encoder_attention_mask", "int64", ["batch_size", "encoder_sequence_length"]],
      ["input_ids", "int64", ["batch_size", "decoder_sequence_length"]],
      ["encoder_hidden_states", "float32", ["batch_size", "encoder_sequence_length", E]]], [
      ["logits", "float32", ["batch_size", "decoder_sequence_length", V]],
      ...kv("present", "past_decoder_sequence_length + 1")]],
    "decoder_with_past_model.onnx": [decPast, [
      ["encoder_attention_mask", "int64", ["batch_size", "encoder_sequence_length"]],
      ["input_ids", "int64", ["batch_size", 1]],
      ...kv("past_key_values", "past_decoder_sequence_length")], [
      ["logits", "float32", ["batch_size", "1", V]],
      ...kv("present", "past_decoder_sequence_length + 1", false)]],
  };
  for (const [file, [sess, ins, outs]] of Object.entries(expected)) {
    const got = (meta) => meta.map((m) => [m.name, m.type, [...m.shape]]);
    const okIn = JSON.stringify(got(sess.inputMetadata)) === JSON.stringify(ins);
    const okOut = JSON.stringify(got(sess.outputMetadata)) === JSON.stringify(outs);
    console.log(`  ${okIn && okOut ? "ok  " : "FAIL"} ${file}: inputs ${sess.inputNames.join(", ")}; outputs ${sess.outputNames.join(", ")}`);
    if (!okIn) console.log(`       inputs ${JSON.stringify(got(sess.inputMetadata))}\n       expected ${JSON.stringify(ins)}`);
    if (!okOut) console.log(`       outputs ${JSON.stringify(got(sess.outputMetadata))}\n       expected ${JSON.stringify(outs)}`);
    if (!(okIn && okOut)) failed = true;
  }
}
const copyKv = (out, from, to, parts) => {
  const feeds = {};
  for (let i = 0; i < L; i++) for (const part of parts) for (const k of ["key", "value"]) feeds[`${to}.${i}.${part}.${k}`] = out[`${from}.${i}.${part}.${k}`];
  return feeds;
};
// vs torch: all positions at once, then one token, and 7 steps with past
{
  const out = await decNoPast.run({ encoder_attention_mask: mask, input_ids: i64(v.decoder_input_ids), encoder_hidden_states: hidden });
  report(`decoder_model.onnx, ${T} positions, logits [${out.logits.dims}]`, maxDiff(out.logits.data, v.logits), logitsScale);
  let o = await decNoPast.run({ encoder_attention_mask: mask, input_ids: i64(cols(0, 1)), encoder_hidden_states: hidden });
  let worst = maxDiff(o.logits.data, logitsAt(0));
  const encoderKv = copyKv(o, "present", "past_key_values", ["encoder"]);
  for (let t = 1; t < T; t++) {
    o = await decPast.run({ encoder_attention_mask: mask, input_ids: i64(cols(t, t + 1)), ...encoderKv,
      ...copyKv(o, "present", "past_key_values", ["decoder"]) });
    worst = Math.max(worst, maxDiff(o.logits.data, logitsAt(t)));
    if (o["present.0.decoder.key"].dims[2] !== t + 1) throw new Error("decoder_with_past cache did not grow by one");
  }
  report(`decoder_model.onnx (1 token), then decoder_with_past_model.onnx ${T - 1} steps`, worst, logitsScale);
}
// vs the merged decoder: greedy from the start token, each graph fed its own choices
const argmaxRows = (logits) => { // last position of [B, S, V] -> first maximum per row
  const [b, s, n] = logits.dims;
  const ids = [];
  for (let r = 0; r < b; r++) {
    const off = (r * s + s - 1) * n;
    let best = 0;
    for (let j = 1; j < n; j++) if (logits.data[off + j] > logits.data[off + best]) best = j;
    ids.push(best);
  }
  return ids;
};
async function greedySplit(m, h, steps) {
  const B = m.dims[0], seq = [Array(B).fill(0)], logits = [];
  let o = await decNoPast.run({ encoder_attention_mask: m, input_ids: i64(seq[0].map((x) => [x])), encoder_hidden_states: h });
  const encoderKv = copyKv(o, "present", "past_key_values", ["encoder"]);
  for (let step = 0; ; step++) {
    logits.push(o.logits.data);
    seq.push(argmaxRows(o.logits));
    if (step + 1 === steps) break;
    o = await decPast.run({ encoder_attention_mask: m, input_ids: i64(seq.at(-1).map((x) => [x])), ...encoderKv,
      ...copyKv(o, "present", "past_key_values", ["decoder"]) });
  }
  return { seq, logits };
}
async function greedyMerged(m, h, steps) {
  const B = m.dims[0], seq = [Array(B).fill(0)], logits = [];
  const e = () => new ort.Tensor("float32", new Float32Array(0), [B, H, 0, D]);
  const empties = {};
  for (let i = 0; i < L; i++) for (const part of ["decoder", "encoder"]) for (const k of ["key", "value"]) empties[`past_key_values.${i}.${part}.${k}`] = e();
  let o = await dec.run({ encoder_attention_mask: m, input_ids: i64(seq[0].map((x) => [x])), encoder_hidden_states: h, ...empties,
    use_cache_branch: new ort.Tensor("bool", [false], [1]) });
  const encoderKv = copyKv(o, "present", "past_key_values", ["encoder"]);
  for (let step = 0; ; step++) {
    logits.push(o.logits.data);
    seq.push(argmaxRows(o.logits));
    if (step + 1 === steps) break;
    o = await dec.run({ encoder_attention_mask: m, input_ids: i64(seq.at(-1).map((x) => [x])), encoder_hidden_states: h, ...encoderKv,
      ...copyKv(o, "present", "past_key_values", ["decoder"]), use_cache_branch: new ort.Tensor("bool", [true], [1]) });
  }
  return { seq, logits };
}
{
  const STEPS = 12;
  const cases = [];
  const encSingle = async (r) => { // one row, unpadded, through the ONNX encoder
    const n = v.attention_mask[r].reduce((a, x) => a + x, 0);
    const ids = i64([v.input_ids[r].slice(0, n)]), m = i64([v.attention_mask[r].slice(0, n)]);
    return [`row ${r} alone (${n} tokens)`, m, (await enc.run({ input_ids: ids, attention_mask: m })).last_hidden_state];
  };
  for (let r = 0; r < B; r++) cases.push(await encSingle(r));
  cases.push([`padded batch of ${B}`, mask, encOut.last_hidden_state]);
  for (const [name, m, h] of cases) {
    const a = await greedySplit(m, h, STEPS), b = await greedyMerged(m, h, STEPS);
    let worst = 0;
    for (let s = 0; s < STEPS; s++) worst = Math.max(worst, maxDiff(a.logits[s], b.logits[s]));
    const rows = (seq) => seq[0].map((_, r) => seq.map((step) => step[r]));
    const sameIds = JSON.stringify(a.seq) === JSON.stringify(b.seq);
    const ok = sameIds && worst <= 1e-5;
    console.log(`  ${ok ? "ok  " : "FAIL"} split vs merged, greedy ${STEPS} steps, ${name}: max |logits diff| = ${worst.toExponential(2)}, ids ${sameIds ? "identical" : "DIFFERENT"} ${JSON.stringify(rows(a.seq))}`);
    if (!sameIds) console.log(`       merged ${JSON.stringify(rows(b.seq))}`);
    if (!ok) failed = true;
  }
}

// ---- tokenizer.json (transformers.js) vs spiece.model (SentencePiece)
env.allowRemoteModels = false;
env.localModelPath = path.dirname(dir) + "/";
const tokenizer = await AutoTokenizer.from_pretrained(path.basename(dir));
let same = 0;
const diffs = [];
for (const { text, ids } of tokCases) {
  const got = Array.from(tokenizer(text).input_ids.data, Number);
  if (got.length === ids.length && got.every((x, i) => x === ids[i])) same++;
  else diffs.push({ text, spiece: ids, tokenizer_json: got });
}
console.log(`  ${diffs.length ? "FAIL" : "ok  "} tokenizer: ${same}/${tokCases.length} strings give the same ids from spiece.model and tokenizer.json`);
for (const d of diffs) console.log(`       ${JSON.stringify(d)}`);
if (diffs.length) failed = true;

process.exit(failed ? 1 : 0);
