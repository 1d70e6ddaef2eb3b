// transformers.js and onnxruntime-node for the reference and check scripts, resolved from the
// working directory (they are installed outside the repository, e.g. in /tmp/tjs), and the layout
// the reference JSON files are written in.
import path from "node:path";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const require = createRequire(path.join(process.cwd(), "noop.js"));
const packageDir = path.dirname(path.dirname(require.resolve("@huggingface/transformers"))); // .../dist/transformers.node.cjs
export const transformers = await import(pathToFileURL(path.join(packageDir, "dist", "transformers.node.mjs")).href);
export const version = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")).version;
export const ortVersion = JSON.parse(readFileSync(require.resolve("onnxruntime-node/package.json"), "utf8")).version;
export const ort = require("onnxruntime-node");

/** int64 tensor of equal-length rows; the largest |a - b| over two arrays; the largest |a|. */
export const i64 = (rows) => new ort.Tensor("int64", BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
export const maxDiff = (a, b) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
export const maxAbs = (a) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/** JSON with objects indented and arrays of numbers/strings on one line. */
export function fmt(v, ind = "") {
  const inner = ind + " ";
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || typeof x !== "object")) return JSON.stringify(v);
    return "[\n" + v.map((x) => inner + fmt(x, inner)).join(",\n") + "\n" + ind + "]";
  }
  if (v && typeof v === "object") {
    const keys = Object.keys(v);
    if (keys.every((k) => v[k] === null || typeof v[k] !== "object") && JSON.stringify(v).length < 100) return JSON.stringify(v);
    return "{\n" + keys.map((k) => inner + JSON.stringify(k) + ": " + fmt(v[k], inner)).join(",\n") + "\n" + ind + "}";
  }
  return JSON.stringify(v);
}
