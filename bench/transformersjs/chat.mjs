// The transformers.js side of the chat benchmark: started by `dotnet run --project bench/WebDemo.Bench -- chat`,
// or alone: node bench/transformersjs/chat.mjs --model DIR --tokens 64 --rounds 2 --concurrency 1,4 --system "..." --user "..." [--spin off]
// Loads the model folder (onnx/model.onnx, fp32) with AutoTokenizer + AutoModelForCausalLM and, for each
// concurrency, starts that many chats at once (Promise.all), `rounds` times in a row. Each chat renders
// the messages with apply_chat_template (as the app does), then model.generate(): greedy with
// min_new_tokens = max_new_tokens so every run decodes the same number of tokens. A streamer marks the
// first new token (time to first token).
// Prints one JSON object per line; the last line is the summary the .NET bench reads.
// transformers.js comes from this folder's node_modules (`npm ci` here).
import path from "node:path";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { env, AutoTokenizer, AutoModelForCausalLM, BaseStreamer } from "@huggingface/transformers";

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs, []));
const modelDir = path.resolve(args.model);
const tokens = Number(args.tokens ?? 64);
const rounds = Number(args.rounds ?? 2);
const concurrencies = String(args.concurrency ?? "1,4").split(",").map(Number);
const messages = [
  { role: "system", content: args.system ?? "Be brief." },
  { role: "user", content: args.user ?? "What should I pack for a weekend at the sea?" },
];

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
const model = await AutoModelForCausalLM.from_pretrained(modelId, { dtype: "fp32", device: "cpu", session_options });
const loadMs = performance.now() - loadStart;

// generate() puts the prompt first, then each new token: the second put is the first new token.
class FirstToken extends BaseStreamer {
  constructor(start) { super(); this.start = start; this.puts = 0; this.ms = null; }
  put() { if (++this.puts === 2) this.ms = performance.now() - this.start; }
  end() {}
}

async function one() {
  const start = performance.now();
  const inputs = tokenizer.apply_chat_template(messages, { add_generation_prompt: true, return_dict: true });
  const streamer = new FirstToken(start);
  const out = await model.generate({ ...inputs, max_new_tokens: tokens, min_new_tokens: tokens, do_sample: false, num_beams: 1, streamer });
  const promptTokens = inputs.input_ids.dims[1];
  const ids = Array.from(out.tolist()[0], Number).slice(promptTokens);
  return { ms: performance.now() - start, ttft: streamer.ms, ids, promptTokens };
}

const warm = await one(); // warm-up
const results = [];
let firstIds = null;
for (const concurrency of concurrencies) {
  const runs = [];
  const start = performance.now();
  for (let r = 0; r < rounds; r++)
    runs.push(...await Promise.all(Array.from({ length: concurrency }, one)));
  const wallMs = performance.now() - start;
  if (concurrency === 1) firstIds ??= runs[0].ids;
  const newTokens = runs.reduce((n, x) => n + x.ids.length, 0);
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  const result = {
    concurrency, requests: runs.length, promptTokens: runs[0].promptTokens, newTokens, wallMs,
    ttftMs: median(runs.map((x) => x.ttft)),
    // Per request: the time after the first token over the tokens after it; the median request.
    msPerToken: median(runs.map((x) => (x.ms - x.ttft) / Math.max(1, x.ids.length - 1))),
    tokensPerSecond: newTokens / (wallMs / 1000),
  };
  results.push(result);
  console.log(JSON.stringify({ progress: result }));
}
console.log(JSON.stringify({
  engine: `transformers.js ${version} (onnxruntime-node ${ortVersion})${args.spin === "off" ? ", spinning off" : ""}`,
  loadMs, promptTokens: warm.promptTokens, ids: firstIds ?? warm.ids, results,
}));
