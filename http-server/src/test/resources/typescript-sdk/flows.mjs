// The official TypeScript SDK's flows against the gateway, run by TypeScriptSdkIT with node.
// Each flow prints one JSON line {"flow", "ok", ...facts}; a thrown error prints ok:false with
// the SDK's message, and the script goes on to the next flow. Exit code: 0 when every flow ran.
import Anthropic, { toFile } from '@anthropic-ai/sdk';

const client = new Anthropic({
  baseURL: process.env.ANTHROPIC_BASE_URL,
  apiKey: process.env.ANTHROPIC_API_KEY,
  maxRetries: 0,
});
const model = 'claude-sonnet-4-5';
const weather = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer' } },
    required: ['city', 'days'],
  },
};

async function flow(name, body) {
  try {
    const facts = await body();
    console.log(JSON.stringify({ flow: name, ok: true, ...facts }));
  } catch (error) {
    console.log(JSON.stringify({ flow: name, ok: false, error: String(error && error.message || error) }));
  }
}

await flow('system-role', async () => {
  const message = await client.messages.create({
    model, max_tokens: 64,
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hello' },
    ],
  });
  return { type: message.content[0].type, stop: message.stop_reason };
});

await flow('tool-round-trip', async () => {
  const question = { role: 'user', content: 'What is the weather in Paris?' };
  const first = await client.messages.create({ model, max_tokens: 256, tools: [weather], messages: [question] });
  const call = first.content.find((block) => block.type === 'tool_use');
  const second = await client.messages.create({
    model, max_tokens: 256, tools: [weather],
    messages: [question, { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18 degrees, sunny' }] }],
  });
  return { stop: first.stop_reason, tool: call.name, input: call.input, then: second.content[0].type };
});

await flow('tool-streamed', async () => {
  const stream = client.messages.stream({
    model, max_tokens: 256, tools: [weather], tool_choice: { type: 'tool', name: 'get_weather' },
    messages: [{ role: 'user', content: 'Weather in Oslo?' }],
  });
  let deltas = 0;
  stream.on('inputJson', () => { deltas++; });
  const message = await stream.finalMessage();
  const call = message.content.find((block) => block.type === 'tool_use');
  return { stop: message.stop_reason, tool: call.name, input: call.input, deltas };
});

await flow('thinking', async () => {
  const message = await client.messages.create({
    model, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 },
    messages: [{ role: 'user', content: 'Think, then answer.' }],
  });
  return { types: message.content.map((block) => block.type) };
});

await flow('text-streamed', async () => {
  const stream = client.messages.stream({ model, max_tokens: 64, messages: [{ role: 'user', content: 'Stream!' }] });
  let text = '';
  stream.on('text', (delta) => { text += delta; });
  const message = await stream.finalMessage();
  return { stop: message.stop_reason, textLength: text.length };
});

await flow('count-tokens-and-models', async () => {
  const counted = await client.messages.countTokens({ model, messages: [{ role: 'user', content: 'Count me' }] });
  const models = [];
  for await (const m of client.models.list()) {
    models.push(m.id);
  }
  const one = await client.models.retrieve(models[0]);
  return { inputTokens: counted.input_tokens, models: models.length, retrieved: one.id === models[0] };
});

await flow('batch', async () => {
  const created = await client.messages.batches.create({
    requests: ['first', 'second'].map((id) => ({
      custom_id: id, params: { model, max_tokens: 32, messages: [{ role: 'user', content: 'Hi ' + id }] },
    })),
  });
  let batch = created;
  for (let i = 0; i < 100 && batch.processing_status !== 'ended'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    batch = await client.messages.batches.retrieve(created.id);
  }
  const results = [];
  for await (const entry of await client.messages.batches.results(created.id)) {
    results.push({ id: entry.custom_id, type: entry.result.type });
  }
  return { status: batch.processing_status, results };
});

await flow('files', async () => {
  const content = 'poolgate file ' + 'x'.repeat(100000);
  const uploaded = await client.beta.files.upload({ file: await toFile(Buffer.from(content), 'notes.txt', { type: 'text/plain' }) });
  const listed = [];
  for await (const f of client.beta.files.list()) {
    listed.push(f.id);
  }
  const download = await client.beta.files.download(uploaded.id);
  const text = await download.text();
  await client.beta.files.delete(uploaded.id);
  return { listed: listed.includes(uploaded.id), sameBytes: text === content, size: uploaded.size_bytes };
});
