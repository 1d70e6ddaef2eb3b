// The most floating-point work per second ONNX Runtime's CPU matrix product (MLAS) gets from this
// machine, at the shapes of a DistilBERT-base layer, for M rows (one text of M tokens, or a batch
// whose tokens add up to M). A model run can go no faster than its matrix products; this is the
// ceiling the sentiment benchmark's GFLOP/s column is read against.
//
//     /usr/bin/python3 bench/transformersjs/make_matmul.py /tmp/matmul
//     (cd bench/transformersjs && node matmul-peak.mjs /tmp/matmul [threads] [rows,rows,…])
import { readdirSync } from "node:fs";
import ort from "onnxruntime-node";

const [dir = "/tmp/matmul", threads = "2", rowList = "16,55,128,880,1760"] = process.argv.slice(2);
const rows = rowList.split(",").map(Number);
console.log(`| product | ${rows.map(m => `M = ${m}`).join(" | ")} |`);
console.log(`|---|${rows.map(() => "---").join("|")}|`);
// The shapes are the ones make_matmul.py wrote: matmul_KxN.onnx.
const shapes = readdirSync(dir).map(name => name.match(/^matmul_(\d+)x(\d+)\.onnx$/)).filter(Boolean).map(m => [Number(m[1]), Number(m[2])]);
for (const [k, n] of shapes) {
    const session = await ort.InferenceSession.create(`${dir}/matmul_${k}x${n}.onnx`, { intraOpNumThreads: Number(threads) });
    const cells = [];
    for (const m of rows) {
        const x = new ort.Tensor("float32", new Float32Array(m * k).fill(0.5), [m, k]);
        const flop = 2 * m * k * n;
        const runs = Math.max(3, Math.round(2e9 / flop)); // about 2 GFLOP per timing
        for (let i = 0; i < 3; i++) await session.run({ X: x });
        let best = Infinity;
        for (let r = 0; r < 5; r++) {
            const start = performance.now();
            for (let i = 0; i < runs; i++) await session.run({ X: x });
            best = Math.min(best, (performance.now() - start) / runs);
        }
        cells.push((flop / (best / 1000) / 1e9).toFixed(0));
    }
    console.log(`| ${k}×${n} (GFLOP/s, best of 5) | ${cells.join(" | ")} |`);
}
