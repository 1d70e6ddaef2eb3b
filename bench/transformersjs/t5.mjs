// The transformers.js side of the T5 benchmark: started by `dotnet run --project bench/WebDemo.Bench -- t5`,
// or alone: node bench/transformersjs/t5.mjs --model DIR --tokens 64 --rounds 2 --concurrency 1,4 --text "..." [--spin off]
// Loads the model folder (encoder_model.onnx + decoder_model_merged.onnx, fp32) and, for each
// concurrency, starts that many model.generate() calls at once, `rounds` times in a row; greedy
// with min_new_tokens = max_new_tokens so every run decodes the same number of tokens.
// Prints one JSON object per line; the last line is the summary the .NET bench reads.
// transformers.js comes from this folder's node_modules (`npm ci` here).
import path from "node:path";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { env, AutoTokenizer, AutoModelForSeq2SeqLM } from "@huggingface/transformers";

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs, []));
const modelDir = path.resolve(args.model);
const tokens = Number(args.tokens ?? 64);
const rounds = Number(args.rounds ?? 2);
const concurrencies = String(args.concurrency ?? "1,4").split(",").map(Number);
const text = args.text ?? "summarize: The quick brown fox jumps over the lazy dog.";

const require = createRequire(import.meta.url);
const version = JSON.parse(readFileSync(path.join(path.dirname(path.dirname(require.resolve("@huggingface/transformers"))), "package.json"), "utf8")).version;
const ortVersion = JSON.parse(readFileSync(require.resolve("onnxruntime-node/package.json"), "utf8")).version;

env.allowRemoteModels = false;
env.localModelPath = path.dirname(modelDir) + "/";
const modelId = path.basename(modelDir);
const loadStart = performance.now();
const tokenizer = await AutoTokenizer.from_pretrained(modelId);
// --spin off: ONNX Runtime's intra-op threads do not spin (the .NET side's default); otherwise transformers.js's defaults.
const session_options = args.spin === "off" ? { extra: { session: { intra_op: { allow_spinning: "0" } } } } : {};
const model = await AutoModelForSeq2SeqLM.from_pretrained(modelId, { dtype: "fp32", device: "cpu", session_options });
const loadMs = performance.now() - loadStart;

// The encoder session is wrapped to time each of its runs (one per generate call).
const encoderSession = model.sessions.model;
const encoderTimes = [];
const encoderRun = encoderSession.run.bind(encoderSession);
encoderSession.run = async (...a) => {
  const t = performance.now();
  const out = await encoderRun(...a);
  encoderTimes.push(performance.now() - t);
  return out;
};

async function one() {
  const start = performance.now();
  const enc = tokenizer(text, { truncation: true });
  const out = await model.generate({ ...enc, max_new_tokens: tokens, min_new_tokens: tokens, do_sample: false, num_beams: 1 });
  const ids = Array.from(out.tolist()[0], Number).slice(1); // without the decoder start token
  return { ms: performance.now() - start, ids, inputTokens: enc.input_ids.dims[1] };
}

await one(); // warm-up
const results = [];
let firstIds = null;
for (const concurrency of concurrencies) {
  encoderTimes.length = 0;
  const runs = [];
  const start = performance.now();
  for (let r = 0; r < rounds; r++)
    runs.push(...await Promise.all(Array.from({ length: concurrency }, one)));
  const wallMs = performance.now() - start;
  firstIds ??= runs[0].ids;
  const newTokens = runs.reduce((n, x) => n + x.ids.length, 0);
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  const encoderMs = median(encoderTimes);
  const result = {
    concurrency, requests: runs.length, inputTokens: runs[0].inputTokens, newTokens, wallMs, encoderMs,
    // Per request: what is not the encoder, over the tokens it decoded; the median request.
    msPerToken: median(runs.map((x, i) => (x.ms - encoderTimes[i]) / x.ids.length)),
    tokensPerSecond: newTokens / (wallMs / 1000),
  };
  results.push(result);
  console.log(JSON.stringify({ progress: result }));
}
console.log(JSON.stringify({ engine: `transformers.js ${version} (onnxruntime-node ${ortVersion})${args.spin === "off" ? ", spinning off" : ""}`, loadMs, ids: firstIds, results }));
