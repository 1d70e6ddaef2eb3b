// Calls the app's /v1/chat/completions with tools, through the official OpenAI JS client.
//   node openai-tools-client.mjs http://127.0.0.1:7860/v1 org/model
// Prints the tool calls the client read, streamed (assembled from deltas, as the client's docs do) and whole.
import OpenAI from "openai";

const [baseURL, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: "unused-by-webdemo", maxRetries: 0 });
const request = {
  model,
  messages: [{ role: "user", content: "What is the weather in Paris?" }],
  tools: [{
    type: "function",
    function: {
      name: "get_weather",
      description: "The weather in a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  }],
  tool_choice: "auto",
};
const out = {};

const calls = [];
let finishReason = null;
const stream = await client.chat.completions.create({ ...request, stream: true });
for await (const chunk of stream) {
  const choice = chunk.choices[0];
  for (const delta of choice?.delta?.tool_calls ?? []) {
    const call = (calls[delta.index] ??= { id: "", name: "", arguments: "" });
    call.id += delta.id ?? "";
    call.name += delta.function?.name ?? "";
    call.arguments += delta.function?.arguments ?? "";
  }
  finishReason = choice?.finish_reason ?? finishReason;
}
out.streamed = { calls, finishReason };

const completion = await client.chat.completions.create(request);
const message = completion.choices[0].message;
out.completion = {
  content: message.content,
  calls: message.tool_calls.map(c => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })),
  finishReason: completion.choices[0].finish_reason,
};
console.log(JSON.stringify(out));
