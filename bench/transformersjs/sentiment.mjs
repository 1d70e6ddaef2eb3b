// transformers.js on the same model files and sentences as bench/WebDemo.Bench: requests of
// N texts in file order (the pipeline pads each request to its longest text), one at a time.
// Started by bench/WebDemo.Bench with the working directory where @huggingface/transformers is
// installed (this folder after `npm ci`, or another given by --tjs), or alone:
//   cd bench/transformersjs && node sentiment.mjs MODEL_DIR DATA_FILE N TEXTS
// Prints one JSON line: {"batch": N, "texts": ..., "seconds": ..., "textsPerSecond": ..., "p50Ms": ..., "p95Ms": ...}.
import path from "node:path";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const require = createRequire(path.join(process.cwd(), "noop.js"));
const packageDir = path.dirname(path.dirname(require.resolve("@huggingface/transformers")));
const { env, pipeline } = await import(pathToFileURL(path.join(packageDir, "dist", "transformers.node.mjs")).href);
const version = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")).version;

const [modelDir, dataFile, batchArg, textsArg] = process.argv.slice(2);
const batch = Number(batchArg);
env.allowRemoteModels = false;
env.localModelPath = path.dirname(path.resolve(modelDir)) + "/";
const classify = await pipeline("text-classification", path.basename(path.resolve(modelDir)), { dtype: "fp32", device: "cpu" });

const sentences = readFileSync(dataFile, "utf8").split("\n").filter(l => l.length > 2).map(l => l.slice(2));
const count = Math.min(Number(textsArg), sentences.length);
const texts = sentences.slice(0, count - (count % batch));

await classify(texts.slice(0, batch)); // warm-up
const latencies = [];
const start = performance.now();
for (let i = 0; i < texts.length; i += batch) {
  const t0 = performance.now();
  await classify(texts.slice(i, i + batch), { top_k: null });
  latencies.push(performance.now() - t0);
}
const seconds = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const pct = p => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
console.log(JSON.stringify({ version, batch, texts: texts.length, seconds, textsPerSecond: texts.length / seconds, p50Ms: pct(0.5), p95Ms: pct(0.95) }));
