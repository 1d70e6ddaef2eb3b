// Calls the app's text-to-image endpoint with the official Hugging Face JS client, as a user of
// "Use via API" would:   node hf-text-to-image-client.mjs http://127.0.0.1:7860 org/model
// Prints one JSON object: the image's type, size and first bytes (hex), twice with the same seed,
// and the error the client raises for a size that is not a multiple of 8.
import { InferenceClient } from "@huggingface/inference";

const [baseUrl, model] = process.argv.slice(2);
const client = new InferenceClient().endpoint(`${baseUrl}/models/${model}`);
const out = {};
async function describe(blob) {
  const bytes = Buffer.from(await blob.arrayBuffer());
  return { type: blob.type, size: bytes.length, head: bytes.subarray(0, 8).toString("hex"), sha: (await import("node:crypto")).createHash("sha256").update(bytes).digest("hex") };
}
try {
  const parameters = { num_inference_steps: 2, seed: 7, width: 64, height: 64 };
  out.first = await describe(await client.textToImage({ inputs: "a lighthouse at dusk", parameters }));
  out.again = await describe(await client.textToImage({ inputs: "a lighthouse at dusk", parameters }));
} catch (error) {
  out.error = String(error?.message ?? error);
}
try {
  await client.textToImage({ inputs: "a lighthouse", parameters: { width: 100 } });
} catch (error) {
  out.badSizeError = String(error?.message ?? error);
}
console.log(JSON.stringify(out));
