// Calls the app with the official Hugging Face JS client, as a user of "Use via API" would.
//   node hf-inference-client.mjs http://127.0.0.1:7860 org/model
// Prints one JSON object: the client's answers, or the error it raised.
import { InferenceClient } from "@huggingface/inference";

const [baseUrl, model] = process.argv.slice(2);
const client = new InferenceClient().endpoint(`${baseUrl}/models/${model}`);
const out = {};
try {
  out.single = await client.textClassification({ inputs: "I love this movie, the acting was wonderful!" });
  out.topK = await client.textClassification({ inputs: "The plot was dull and the ending made no sense.", parameters: { top_k: 1 } });
} catch (error) {
  out.error = String(error?.message ?? error);
}
try {
  await new InferenceClient().endpoint(`${baseUrl}/models/nobody/missing`).textClassification({ inputs: "hi" });
} catch (error) {
  out.unknownModelError = String(error?.message ?? error);
}
console.log(JSON.stringify(out));
