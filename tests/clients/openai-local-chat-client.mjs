// Calls the app's /v1 with the official OpenAI JS client for one model, greedy: streamed with
// stream_options.include_usage, streamed without it, and whole.
//   node openai-local-chat-client.mjs http://127.0.0.1:7860/v1 org/model
import OpenAI from "openai";

const [baseURL, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: "unused-by-webdemo", maxRetries: 0 });
const messages = [{ role: "system", content: "Be brief." }, { role: "user", content: "What is the capital of France?" }];
const params = { model, messages, max_tokens: 20, temperature: 0 };
const out = {};

async function read(stream) {
  let text = "";
  const usages = [];
  let finish = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta?.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usages.push({ ...chunk.usage, choices: chunk.choices.length });
  }
  return { text, usages, finish, chunks };
}

out.withUsage = await read(await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }));
out.withoutUsage = await read(await client.chat.completions.create({ ...params, stream: true }));
const completion = await client.chat.completions.create(params);
out.completion = { text: completion.choices[0].message.content, usage: completion.usage, finish: completion.choices[0].finish_reason, model: completion.model };
console.log(JSON.stringify(out));
