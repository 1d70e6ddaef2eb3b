// Replays reference.json through the ONNX files with onnxruntime-node (run by reference.py, or by hand:
//   cd /tmp/tjs && node <repo>/tests/models/sd-tiny-random/check_reference.mjs <folder-with-reference.json>
// For each case: the text encoder on input_ids (and negative_input_ids) vs prompt_embeds_first8; the UNet
// on every step's recorded model_input (+ guidance) vs the recorded noise_pred; the VAE decoder on
// final_latents / scaling_factor vs the image bytes. Reports the largest differences (the reference is
// torch, so small float differences are expected: the image may differ by 1 in a few bytes).
import path from "node:path";
import { readFileSync } from "node:fs";
import { i64, maxAbs, maxDiff, ort } from "../../reference/tjs.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const refDir = path.resolve(process.argv[2] ?? here);
const ref = JSON.parse(readFileSync(path.join(refDir, "reference.json"), "utf8"));
const open = (n) => ort.InferenceSession.create(path.join(here, n, "model.onnx"));
const [te, unet, vae] = [await open("text_encoder"), await open("unet"), await open("vae_decoder")];
const f32 = (data, dims) => new ort.Tensor("float32", Float32Array.from(data), dims);
let failed = false;
for (const c of ref.cases) {
  const ids = c.do_classifier_free_guidance ? [c.negative_input_ids, c.input_ids] : [c.input_ids];
  const hs = (await te.run({ input_ids: i64(ids) })).last_hidden_state;
  const D = hs.dims[2], T = hs.dims[1], last = ids.length - 1;
  const first8 = [0, 1].flatMap((t) => Array.from(hs.data.subarray((last * T + t) * D, (last * T + t) * D + 4)));
  const dEmb = maxDiff(first8, c.prompt_embeds_first8);
  let dEps = 0, scaleEps = 0;
  const B = ids.length, shape = c.latent_shape;
  for (const st of c.steps) {
    const out = (await unet.run({ sample: f32(st.model_input, [B, ...shape.slice(1)]), timestep: f32([st.timestep], []),
      encoder_hidden_states: hs })).out_sample.data;
    const n = out.length / B;
    const eps = B === 2 ? Array.from(out.subarray(0, n), (u, i) => u + c.guidance_scale * (out[n + i] - u)) : Array.from(out);
    dEps = Math.max(dEps, maxDiff(eps, st.noise_pred));
    scaleEps = Math.max(scaleEps, maxAbs(st.noise_pred));
  }
  const z = c.final_latents.map((x) => x / ref.vae_scaling_factor);
  const img = (await vae.run({ latent_sample: f32(z, shape) })).sample;
  const [, C, H, W] = img.dims;
  const want = Buffer.from(c.image_rgb_base64, "base64");
  let dImg = 0, nDiff = 0;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let ch = 0; ch < C; ch++) {
    const v = img.data[(ch * H + y) * W + x];
    const u8 = Math.round(Math.min(1, Math.max(0, v * 0.5 + 0.5)) * 255);
    const d = Math.abs(u8 - want[(y * W + x) * 3 + ch]);
    if (d) nDiff++;
    dImg = Math.max(dImg, d);
  }
  const ok = dEmb < 1e-4 && dEps <= 1e-4 * Math.max(1, scaleEps) && dImg <= 1;
  if (!ok) failed = true;
  console.log(`  ${ok ? "ok  " : "FAIL"} ${c.name}: embeddings ${dEmb.toExponential(2)}, noise_pred ${dEps.toExponential(2)} ` +
    `(up to ${scaleEps.toFixed(2)}), image bytes off by <= ${dImg} in ${nDiff} of ${want.length}`);
}
process.exit(failed ? 1 : 0);
