// Lists the app's /v1/models with the official OpenAI JS client, then tries a wrong key.
//   node openai-models-client.mjs http://127.0.0.1:7860/v1 [api-key]
import OpenAI from "openai";

const [baseURL, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: apiKey ?? "unused-by-webdemo", maxRetries: 0 });
const out = { models: [] };

for await (const model of client.models.list()) out.models.push({ id: model.id, object: model.object, owned_by: model.owned_by });

try {
  await new OpenAI({ baseURL, apiKey: "wrong-key", maxRetries: 0 }).models.list();
  out.wrongKeyStatus = 200;
} catch (error) {
  out.wrongKeyStatus = error.status;
  out.wrongKeyMessage = error.error?.message ?? error.message;
}
console.log(JSON.stringify(out));
