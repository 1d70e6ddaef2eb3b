// Reference token ids and decodes from transformers.js (the Hugging Face reference implementation)
// for a T5 tokenizer kit (spiece.model + tokenizer.json + tokenizer_config.json): what the C#
// SentencePieceTextEncoder and its incremental decoder must reproduce. The same texts go through
// each kit; the generated id sequences are picked from each kit's own vocabulary.
//
//   npm install @huggingface/transformers --onnxruntime-node-install=skip
//   node make-t5-tokenizer-reference.mjs ../../../shared/models/_tokenizers/t5-small > ../WebDemo.Inference.Onnx.Tests/Reference/t5-tokenizer.json
//   node make-t5-tokenizer-reference.mjs ../models/t5-tiny-random > ../WebDemo.Inference.Onnx.Tests/Reference/t5-tiny-random-tokenizer.json
//
// The first is the real t5-small kit in ../shared (third-party, never copied here); the second is the
// repository's own fixture (made by tests/models/t5-tiny-random/make_model.py), so a fresh clone
// without ../shared still checks the tokenizer. The kit is loaded as transformers.js loads a local
// model: by its path under the nearest "models" folder above it ("_tokenizers/t5-small", "t5-tiny-random").
import { env, AutoTokenizer } from "@huggingface/transformers";
import path from "node:path";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

if (process.argv.length !== 3) {
  console.error("usage: node make-t5-tokenizer-reference.mjs <tokenizer folder>");
  process.exit(2);
}
const folder = path.resolve(process.argv[2]);
const parts = folder.split(path.sep);
const modelsAt = parts.lastIndexOf("models");
if (modelsAt < 0 || modelsAt === parts.length - 1) throw new Error(`${folder} is not under a "models" folder`);
const modelId = parts.slice(modelsAt + 1).join("/");
env.allowRemoteModels = false;
env.localModelPath = parts.slice(0, modelsAt + 1).join(path.sep) + "/";

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

// Longer than either kit's 512 tokens (model_max_length), for truncation.
const longText = "summarize: " + Array.from({ length: 80 }, (_, i) =>
  `Sentence number ${i + 1} says the weather in Zürich was ${i % 2 ? "mild" : "cold"}.`).join(" ");
texts.push(longText);

const tokenizer = await AutoTokenizer.from_pretrained(modelId);
const ids = (text, options) => Array.from(tokenizer(text, options).input_ids.data, Number);
const decode = (list) => ({
  decoded: tokenizer.decode(list, { skip_special_tokens: true }),
  decodedWithSpecial: tokenizer.decode(list, { skip_special_tokens: false }),
});

const encoded = texts.map((text) => ({ text, ids: ids(text), ...decode(ids(text)) }));

// transformers.js truncation (the summarization pipeline calls the tokenizer with truncation: true):
// it cuts the finished sequence to model_max_length, dropping the final </s>.
const truncation = { text: longText, maxLength: tokenizer.model_max_length, ids: ids(longText, { truncation: true }) };

// Id sequences a generator might produce (not from encoding), for the decoders: decoder start <pad>,
// sentinels, </s> (also mid-sequence), <unk>, words in several pieces, lone "▁", punctuation after a
// space and contractions split across pieces. Each kit's pieces are its own.
const id = (piece) => {
  const value = tokenizer._tokenizer.token_to_id(piece);
  if (value === undefined) throw new Error(`no piece ${piece}`);
  return value;
};
const pieces = (list) => list.map(id);
const generatedByKit = {
  "_tokenizers/t5-small": () => [
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
  ],
  // 400 pieces (few whole words: most words come in several pieces), then the 100 sentinels
  // (<extra_id_99> = 400 … <extra_id_0> = 499); the model's vocab_size is 512, so it can also
  // produce 500…511, which are no token (decoded as <unk>).
  "t5-tiny-random": () => [
    pieces(["<pad>", "▁Da", "s", "▁", "H", "aus", "▁is", "t", "▁schön", ".", "</s>"]),
    pieces(["<pad>", "<extra_id_0>", "▁old", "▁dog", "<extra_id_1>", "▁th", "e", "<extra_id_2>", "</s>"]),
    pieces(["▁tra", "ns", "for", "m", "at", "i", "on", "▁is", "▁", "<unk>", "▁h", "e", "re", "</s>"]),
    pieces(["▁", "H", "e", "llo", "▁", ",", "▁w", "or", "l", "d", "▁", "!", "▁", "I", "t", "▁", "'", "s", "▁", ".", "</s>"]),
    pieces(["▁do", "n", "'", "t", "▁", "w", "e", "▁", "'", "v", "e", "▁you", "▁", "'", "re", "▁", "I", "▁", "'", "m"]),
    pieces(["▁", "n", "▁", "'", "▁", "t", "▁", "x", "▁", "'", "▁", "s", "▁", "▁", "?", "▁", "."]),
    pieces(["<unk>", "▁", "<unk>", "▁", "x", "<pad>", "<pad>"]),
    pieces(["▁", "▁", "▁", "a", "</s>", "▁", "b", "<extra_id_5>", "▁", "c"]),
    pieces(["▁caf", "é", "▁", "ü", "ber", "▁în", "▁Buc", "u", "re", "ș", "t", "i", ":", "▁", "\"", "▁W", "i", "\"", "</s>", "<pad>"]),
    pieces(["▁summ", "ari", "z", "e", ":", "<extra_id_99>", "▁museum", "<extra_id_98>", "ß", "e", "▁", "<unk>", "</s>"]),
    [400, 499, 3, 4, 500, 511, 5, 1],
    [1],
    [0, 1],
  ],
};
if (!(modelId in generatedByKit)) throw new Error(`no generated sequences for ${modelId}: add its pieces to generatedByKit`);
const generated = generatedByKit[modelId]().map((list) => ({ ids: list, ...decode(list) }));

const packageDir = path.dirname(createRequire(import.meta.url).resolve("@huggingface/transformers")).replace(/\/dist$/, "");
const version = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")).version;
console.log(JSON.stringify({
  generator: "transformers.js " + version,
  tokenizer: modelId,
  encoded,
  truncation,
  generated,
}, null, 1));
