// Calls the app's /v1/chat/completions with the official OpenAI JS client.
//   node openai-client.mjs http://127.0.0.1:7860/v1 org/model
import OpenAI from "openai";

const [baseURL, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: "unused-by-webdemo", maxRetries: 0 });
const out = {};

let streamed = "";
const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: "Say hello" }] });
for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? "";
out.streamed = streamed;

const completion = await client.chat.completions.create({ model: `${model}:prov-b`, messages: [{ role: "user", content: "Say hello" }] });
out.completion = completion.choices[0].message.content;

try {
  await client.chat.completions.create({ model: "someone/other-model", messages: [{ role: "user", content: "hi" }] });
} catch (error) {
  out.errorStatus = error.status;
  out.errorMessage = error.error?.message ?? error.message;
}
console.log(JSON.stringify(out));
