// Reference token ids and decodes from transformers.js (the Hugging Face reference implementation)
// for the real t5-small tokenizer in ../shared (spiece.model + tokenizer.json): what the C#
// SentencePieceTextEncoder and its incremental decoder must reproduce.
//
//   npm install @huggingface/transformers --onnxruntime-node-install=skip
//   node make-t5-tokenizer-reference.mjs ../../../shared > ../WebDemo.Inference.Onnx.Tests/Reference/t5-tokenizer.json
import { env, AutoTokenizer } from "@huggingface/transformers";
import path from "node:path";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const shared = path.resolve(process.argv[2] ?? "../../../shared");
env.allowRemoteModels = false;
env.localModelPath = path.join(shared, "models") + "/";

const texts = [
  // Plain English and the task prefixes T5 was trained with.
  "Hello world",
  "The quick brown fox jumps over the lazy dog.",
  "summarize: The tower is 324 metres (1,063 ft) tall, about the same height as an 81-storey building, and the tallest structure in Paris.",
  "summarize: studies have shown that owning a dog is good for you",
  "translate English to German: The house is wonderful.",
  "translate English to French: How old are you?",
  "translate English to Romanian: I love reading books.",
  "Das Haus ist wunderbar. Grüße aus München!",
  "transformation transformational transformers",
  "don't won't it's I'm you're we've they'd",
  "Hello , world ! Is it ? Yes . don 't",
  "Punctuation!!! ??? ... --- (parens) [brackets] {braces} \"quotes\" 'single'",
  "HTML <b>bold</b> & entities &amp; <br/>",
  "URLs: https://example.com/path?q=1&r=2 and email@example.org",
  // Accents and diacritics, composed and decomposed.
  "Café déjà vu: naïve résumé!",
  "Über die Brücke zur Straße, ß and ẞ",
  "Ærøskøbing, Łódź, Şişli, Ångström, façade, jalapeño",
  "e\u0301 decomposed vs é composed",
  // Characters NFKC rewrites (T5's Precompiled normalizer).
  "ﬁne ﬂowers in the ﬁeld",
  "① ② ③ and ⑩ items",
  "ＡＢＣ full-width ｔｅｘｔ １２３",
  "x² + y³ = z½, ™ ℃ № Ⅻ ǅ",
  "full-width ＜extra_id_0＞ and ａ＜/s＞ brackets",
  "wave ～ dash 〜 and ~ tilde",
  // Digits and numbers.
  "Numbers: 0 1 12 123 1234 12345 3.14159 1,000,000 -42 1e-9",
  "Call 555-0199 on 2024-03-15 at 10:30am, costs $19.99 or €5 or £3",
  // White space: runs, tabs, newlines, leading and trailing, unusual spaces, controls.
  "a  b   c    d",
  "tab\tseparated\tvalues",
  "line one\nline two\n\nline four",
  "\r\nWindows\r\nnewlines\r\n",
  "   leading spaces",
  "trailing spaces   ",
  "   both   ",
  " ",
  "\n",
  "non\u00a0breaking\u2003em\u3000ideographic space",
  "zero\u200bwidth and soft\u00adhyphen and bell\u0007char",
  "literal \u2581 lower one eighth block",
  // Scripts T5's vocabulary lacks (→ <unk>), and emoji.
  "東京は日本の首都です。",
  "中文 mixed with English 和 数字 123",
  "한국어 텍스트",
  "Привет, мир! Ελληνικά",
  "Emoji 🙂 in text 🎉🎉 and 👨‍👩‍👧 family",
  "🙂",
  // Special tokens written in the text.
  "The <extra_id_0> walks in <extra_id_1> park",
  "<extra_id_0>",
  "<extra_id_99> and <extra_id_100>",
  "text with </s> literal eos",
  "</s></s>",
  "<pad> and <unk> and <s> literals",
  "x <unk> y",
  // Nothing at all.
  "",
];

// Longer than t5-small's 512 tokens, for truncation.
const longText = "summarize: " + Array.from({ length: 80 }, (_, i) =>
  `Sentence number ${i + 1} says the weather in Zürich was ${i % 2 ? "mild" : "cold"}.`).join(" ");
texts.push(longText);

const tokenizer = await AutoTokenizer.from_pretrained("_tokenizers/t5-small");
const ids = (text, options) => Array.from(tokenizer(text, options).input_ids.data, Number);
const decode = (list) => ({
  decoded: tokenizer.decode(list, { skip_special_tokens: true }),
  decodedWithSpecial: tokenizer.decode(list, { skip_special_tokens: false }),
});

const encoded = texts.map((text) => ({ text, ids: ids(text), ...decode(ids(text)) }));

// transformers.js truncation (the summarization pipeline calls the tokenizer with truncation: true):
// it cuts the finished sequence to model_max_length, dropping the final </s>.
const truncation = { text: longText, maxLength: tokenizer.model_max_length, ids: ids(longText, { truncation: true }) };

// Id sequences a generator might produce (not from encoding): decoder start <pad>, sentinels, <unk>,
// lone "▁", punctuation after a space and contractions split across pieces, for the decoders.
const id = (piece) => {
  const value = tokenizer._tokenizer.token_to_id(piece);
  if (value === undefined) throw new Error(`no piece ${piece}`);
  return value;
};
const pieces = (list) => list.map(id);
const generated = [
  pieces(["<pad>", "▁Das", "▁Haus", "▁ist", "▁wunderbar", ".", "</s>"]),
  pieces(["<pad>", "<extra_id_0>", "▁cute", "▁dog", "<extra_id_1>", "▁the", "<extra_id_2>", "</s>"]),
  pieces(["▁trans", "form", "ation", "▁is", "▁", "<unk>", "▁here", "</s>"]),
  pieces(["▁Hello", "▁", ",", "▁world", "▁", "!", "▁It", "▁", "'", "s", "▁", ".", "</s>"]),
  pieces(["▁don", "▁", "n", "'", "t", "▁we", "▁", "'", "ve", "▁you", "▁", "'", "re", "▁I", "▁", "'", "m"]),
  pieces(["▁", "n", "▁", "'", "▁", "t", "▁", "x", "▁", "'", "▁", "s", "▁", "▁", "?", "▁", "."]),
  pieces(["<unk>", "▁", "<unk>", "▁", "x", "<pad>", "<pad>"]),
  pieces(["▁", "▁", "▁", "a", "</s>", "▁", "b", "<extra_id_5>", "▁", "c"]),
  pieces(["▁Ein", "▁Mann", "▁sagt", ":", "▁„", "▁It", "“", "</s>", "<pad>"]),
  [1],
  [0, 1],
].map((list) => ({ ids: list, ...decode(list) }));

const packageDir = path.dirname(createRequire(import.meta.url).resolve("@huggingface/transformers")).replace(/\/dist$/, "");
const version = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")).version;
console.log(JSON.stringify({
  generator: "transformers.js " + version,
  tokenizer: "_tokenizers/t5-small",
  encoded,
  truncation,
  generated,
}, null, 1));
