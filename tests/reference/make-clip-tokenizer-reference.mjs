// Reference ids from transformers.js's CLIPTokenizer (the Hugging Face reference implementation) for
// the text-to-image prompts the C# ClipTokenizer must reproduce: the uncut ids (<|startoftext|> …
// <|endoftext|>) and transformers.js's own 77-token encoding (padding "max_length", truncation).
// At truncation the C# encoder follows Python (it keeps the final <|endoftext|>, as diffusers
// relies on) where transformers.js cuts after the 77th id; the test derives that from the uncut ids.
//
// transformers.js is installed OUTSIDE the repository and resolved from the working directory:
//   mkdir -p /tmp/tjs && cd /tmp/tjs && npm init -y && npm install @huggingface/transformers@4.3.1 --onnxruntime-node-install=skip
//   cd /tmp/tjs
//   node $REPO/tests/reference/make-clip-tokenizer-reference.mjs \
//     $REPO/../shared/models/_tokenizers/clip-vit-large-patch14 $REPO/tests/models/sd-tiny-random/tokenizer \
//     > $REPO/tests/WebDemo.Inference.Onnx.Tests/Reference/clip-tokenizer.json
//
// The first kit is third-party (in ../shared, never copied here); the second is the repository's own
// tiny SD fixture. The prompts are the project's own; the file holds ids only.
import path from "node:path";
import { transformers, version, fmt } from "./tjs.mjs";

const { env, AutoTokenizer } = transformers;

const long = "a highly detailed matte painting of a sprawling cyberpunk city at night, neon signs reflecting in rain puddles, " +
  "flying cars, towering skyscrapers, dense fog, volumetric lighting, cinematic composition, 8k, trending on artstation, " +
  "by greg rutkowski and alphonse mucha, ultra realistic, sharp focus, octane render, unreal engine 5";
const prompts = [
  "a photo of an astronaut riding a horse on mars",
  "A cinematic shot of a baby racoon wearing an intricate italian priest robe.",
  "",
  "   leading and trailing   spaces   ",
  "Tabs\tand\nnew lines\r\nand  double  spaces",
  "UPPER CASE and MiXeD CaSe",
  "don't, can't, it's, we're, I've, I'm, you'll, he'd",
  "numbers: 1234567890, 3.14159, 1,000,000 and 2nd place",
  "punctuation!!! ??? ... --- *** ### @home #tag $100 50% (parens) [brackets] {braces} <angle>",
  "emoji 🐱🚀🎨 and symbols © ® ™ ° ± × ÷",
  "café naïve façade résumé Ångström Zürich",
  "Ein Hund läuft über die Straße",
  "日本の桜の木、富士山の前で",
  "中文提示词：一只在月球上的猫",
  "한국어 프롬프트 고양이",
  "Привет, мир! Кошка в космосе",
  "ελληνικά γράμματα αβγ",
  "Arabic العربية and Hebrew עברית",
  "hindi हिन्दी देवनागरी",
  "fullwidth ＡＢＣ１２３ and ligature ﬁ",
  "combining e\u0301 vs precomposed é",
  "masterpiece, best quality, ((ultra-detailed)), (illustration:1.2), [[low quality]]",
  "a_snake_case_word and kebab-case-word and CamelCaseWord",
  "www.example.com/path?query=1&x=y user@example.com",
  "\"quoted\" 'single' `backtick` “curly” ‘quotes’",
  "…ellipsis—em dash–en dash",
  "negative: blurry, lowres, bad anatomy, extra fingers, watermark",
  "supercalifragilisticexpialidocious antidisestablishmentarianism",
  long,
  long + " " + long,
  Array.from({ length: 74 }, (_, i) => "cat").join(" "),
  Array.from({ length: 75 }, (_, i) => "cat").join(" "),
  Array.from({ length: 76 }, (_, i) => "cat").join(" "),
];

const kits = [];
for (const arg of process.argv.slice(2)) {
  const folder = path.resolve(arg);
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(folder) + "/";
  const tokenizer = await AutoTokenizer.from_pretrained(path.basename(folder));
  const encoded = prompts.map((text) => ({
    text,
    ids: Array.from(tokenizer(text).input_ids.data, Number),
    padded: Array.from(tokenizer(text, { padding: "max_length", max_length: 77, truncation: true }).input_ids.data, Number),
  }));
  kits.push({ kit: path.basename(path.dirname(folder)) === "sd-tiny-random" ? "sd-tiny-random" : path.basename(folder), encoded });
}

console.log(fmt({ generator: "transformers.js " + version, kits }));
