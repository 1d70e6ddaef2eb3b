// Renders chat templates with @huggingface/jinja exactly as transformers.js's apply_chat_template does:
// new Template(source).render({ messages, add_generation_prompt, tools, documents, ...special tokens, ...kwargs }).
//   node render-chat-templates.mjs cases.json   -> [{ "output": "..." } | { "error": "..." }, ...]
//   node render-chat-templates.mjs --ollama     -> [{ "model": "...", "template": "..." }, ...] (the templates
//                                                 that @huggingface/ollama-utils ships, read from the installed package)
// Each case: { "template": "...", "messages": [...], "add_generation_prompt": bool, "special_tokens": {...}, "kwargs": {...} }.
// strftime_now reads the clock: Date is pinned to 2024-07-26T14:05:00 (run with TZ=UTC) so outputs are deterministic.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { Template } from "@huggingface/jinja";

const FIXED_NOW = new Date(2024, 6, 26, 14, 5, 0).getTime();
const RealDate = Date;
globalThis.Date = class extends RealDate {
	constructor(...args) {
		super(...(args.length === 0 ? [FIXED_NOW] : args));
	}
	static now() {
		return FIXED_NOW;
	}
};

const arg = process.argv[2];
if (arg === "--ollama") {
	// The mapping is not exported; its source file is a plain array literal after the type annotation.
	const pkg = join(dirname(fileURLToPath(import.meta.url)), "node_modules", "@huggingface", "ollama-utils");
	const source = readFileSync(join(pkg, "src", "chat-template-automap.ts"), "utf8");
	const start = source.indexOf("=", source.indexOf("OLLAMA_CHAT_TEMPLATE_MAPPING"));
	const mapping = new Function(`return ${source.slice(start + 1).trim().replace(/;\s*$/, "")}`)();
	console.log(JSON.stringify(mapping.map((entry) => ({ model: entry.model, template: entry.gguf }))));
} else {
	const cases = JSON.parse(readFileSync(arg, "utf8"));
	const compiled = new Map();
	const results = cases.map((c) => {
		try {
			let template = compiled.get(c.template);
			if (!template) {
				template = new Template(c.template);
				compiled.set(c.template, template);
			}
			const output = template.render({
				messages: c.messages,
				add_generation_prompt: c.add_generation_prompt ?? false,
				tools: c.tools ?? null,
				documents: c.documents ?? null,
				...(c.special_tokens ?? {}),
				...(c.kwargs ?? {}),
			});
			return { output };
		} catch (e) {
			return { error: String(e?.message ?? e) };
		}
	});
	console.log(JSON.stringify(results));
}
