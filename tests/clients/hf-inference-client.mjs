// Calls the app with the official Hugging Face JS client, as a user of "Use via API" would.
//   node hf-inference-client.mjs http://127.0.0.1:7860 org/model [positive-text negative-text]
// Prints one JSON object: the client's answers, or the error it raised. The texts are ones the
// model labels POSITIVE and NEGATIVE; the defaults suit an SST-2 sentiment model.
import { InferenceClient } from "@huggingface/inference";

const [baseUrl, model,
  positive = "I love this movie, the acting was wonderful!",
  negative = "The plot was dull and the ending made no sense."] = process.argv.slice(2);
const client = new InferenceClient().endpoint(`${baseUrl}/models/${model}`);
const out = {};
try {
  out.single = await client.textClassification({ inputs: positive });
  out.topK = await client.textClassification({ inputs: negative, parameters: { top_k: 1 } });
} catch (error) {
  out.error = String(error?.message ?? error);
}
try {
  await new InferenceClient().endpoint(`${baseUrl}/models/nobody/missing`).textClassification({ inputs: "hi" });
} catch (error) {
  out.unknownModelError = String(error?.message ?? error);
}
console.log(JSON.stringify(out));
