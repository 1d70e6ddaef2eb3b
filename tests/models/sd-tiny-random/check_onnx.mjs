// Called by make_model.py on a freshly built pipeline folder, before anything is copied into place:
//   node check_onnx.mjs <folder>      (working directory: where @huggingface/transformers is installed)
// <folder>/_check.json holds torch inputs/outputs and the script's own CLIP BPE ids written by make_model.py.
// 1. ONNX Runtime (onnxruntime-node) must reproduce torch on text_encoder/, unet/ (a batch of two, a
//    non-square latent, a float32 scalar timestep) and vae_decoder/ (a non-square latent).
// 2. transformers.js's AutoTokenizer on tokenizer/ (tokenizer.json, CLIPTokenizer) must give the ids of
//    make_model.py's own BPE encoder (with <|startoftext|> / <|endoftext|>, no padding).
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
const f32 = (data, dims) => new ort.Tensor("float32", Float32Array.from(data), dims);
function compare(what, got, expected, rel = 1e-4) {
  const diff = maxDiff(Array.from(got.data), expected);
  const scale = maxAbs(expected);
  report(what + ` [${got.dims}]`, diff <= rel * Math.max(1, scale),
    `max |onnx - torch| = ${diff.toExponential(2)} (values up to ${scale.toFixed(3)})`);
}
async function open(name) {
  const s = await ort.InferenceSession.create(path.join(dir, name, "model.onnx"));
  console.log(`  ${name}: inputs ${s.inputNames.join(", ")}; outputs ${s.outputNames.join(", ")}`);
  return s;
}

{
  const s = await open("text_encoder");
  const out = await s.run({ input_ids: i64(v.text_encoder.input_ids) });
  compare("text_encoder last_hidden_state", out.last_hidden_state, v.text_encoder.last_hidden_state);
  compare("text_encoder pooler_output", out.pooler_output, v.text_encoder.pooler_output);
}
{
  const s = await open("unet");
  const u = v.unet;
  const out = await s.run({ sample: f32(u.sample, u.sample_shape), timestep: f32([u.timestep], []),
    encoder_hidden_states: f32(u.encoder_hidden_states, u.ehs_shape) });
  compare("unet out_sample", out.out_sample, u.out_sample);
}
{
  const s = await open("vae_decoder");
  const d = v.vae_decoder;
  const out = await s.run({ latent_sample: f32(d.latent_sample, d.latent_shape) });
  report("vae_decoder sample shape", out.sample.dims.join() === d.sample_shape.join(), `[${out.sample.dims}]`);
  compare("vae_decoder sample", out.sample, d.sample);
}

env.allowRemoteModels = false;
env.localModelPath = dir + "/";
const tokenizer = await AutoTokenizer.from_pretrained("tokenizer");
console.log(`  tokenizer class: ${tokenizer.constructor.name}`);
let bad = 0;
for (const { text, ids } of tokCases) {
  const got = Array.from(tokenizer(text).input_ids.data, Number);
  if (got.join() !== ids.join()) {
    if (bad++ < 5) console.log(`  tokenizer differs on ${JSON.stringify(text)}: ${got} vs ${ids}`);
  }
}
report(`tokenizer.json (transformers.js) vs make_model.py's BPE on ${tokCases.length} strings`, bad === 0, `${bad} differ`);
process.exit(failed ? 1 : 0);
