#!/usr/bin/python3
"""Build a random-weight Llama (text-generation, chat) in the exact layout transformers.js loads
for a Hub repo such as onnx-community/SmolLM2-360M-Instruct-ONNX, with a byte-level BPE
tokenizer whose merges this script learns itself from text it writes itself.

Nothing is downloaded or copied. The corpus comes from word lists (the English sentence generator
of ../t5-tiny-random/make_model.py, imported, plus chat-style lines below), the merges from the
small byte-level BPE trainer below, the weights from a seeded NumPy generator. The architecture
is transformers' LlamaForCausalLM written out in plain torch (RMS norm, rotary position
embeddings, grouped-query attention, SwiGLU MLP, tied embeddings) and exported as Optimum
exports a decoder-only model with cache (one graph, no merged If: the cache simply starts empty):

    onnx/model.onnx   input_ids, attention_mask, position_ids, past_key_values.{i}.{key,value}
                      -> logits, present.{i}.{key,value}

    /usr/bin/python3 make_model.py                 # the committed fixture, in place
    /usr/bin/python3 make_model.py --check         # rebuild in a temp dir, compare bytes

Every build runs check_onnx.mjs (node, with onnxruntime-node and transformers.js resolved from
--tjs-dir, default $TJS_DIR or /tmp/tjs) on the files in a temp dir before they are copied into
place: ONNX Runtime vs torch (a left-padded batch without cache, then with the cache token by
token) and transformers.js's tokenizer on tokenizer.json vs this script's own BPE encoder.
--skip-node skips that (not for commits).

Needs Debian's python3-torch, python3-onnx, python3-numpy (apt).
"""
import argparse
import collections
import filecmp
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "t5-tiny-random"))
from make_model import EXTRA_SENTENCES, english_sentence, export, write_json  # noqa: E402  (the T5 fixture's)

FILES = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
         "special_tokens_map.json", "vocab.json", "merges.txt", "onnx/model.onnx"]
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]  # ids 0, 1, 2 (SmolLM2's order)
# The pre-tokenizer split of Llama 3 (and Qwen 2): contractions, letters with one leading
# non-letter, numbers of up to 3 digits, punctuation runs, newlines, other white space.
SPLIT_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                 r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a small test model.<|im_end|>\\n' }}{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")

CHAT_LINES = [
    "Hello! How can I help you today?", "What is the capital of France?", "The capital of France is Paris.",
    "Can you write a short poem about the sea?", "Sure, here is a short poem:", "Thank you very much!",
    "You're welcome. Is there anything else?", "Please explain how a rainbow forms.",
    "Light bends when it enters a drop of water, and the colours split.", "What's 12 + 30?", "12 + 30 = 42.",
    "I'm not sure, but I'll try my best.", "Let's think step by step.", "First, we add the numbers.",
    "Here is some code:\n```python\ndef add(a, b):\n    return a + b\n```", "print(\"hello world\")",
    "- item one\n- item two\n- item three", "1. Open the door.\n2. Walk in.\n3. Close the door.",
    "The meeting is at 10:30 on 2024-03-15.", "It costs $19.99, or about 18 euros.",
    "Don't worry, it isn't hard. We've done it before and they'd agree.", "Why is the sky blue?",
    "Summarize the text in one sentence.", "Translate \"good morning\" into French: bonjour.",
    "Café, naïve, déjà vu, Zürich, São Paulo.", "The temperature was 21°C, then 25°C.",
]


# ---------------------------------------------------------------------------------------------
# Tokenizer: GPT-2's byte-to-unicode table, a pre-tokenizer close to SPLIT_PATTERN (Python's re
# has no \p{L}: letters are [^\W\d_], numbers \d; only used for training and the self-check of
# plain ASCII text), and a greedy pair-merging trainer.
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_CHARS = bytes_to_unicode()
L = r"[^\W\d_]"
PY_SPLIT = re.compile(r"'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])|(?:[^\r\n\w]|_)?" + L + r"+|\d{1,3}"
                      r"| ?(?:[^\s\w]|_)+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def pre_tokenize(text):
    return ["".join(BYTE_CHARS[b] for b in w.encode("utf-8")) for w in PY_SPLIT.findall(text)]


def build_corpus(seed):
    rng = random.Random(seed)
    lines = []
    for _ in range(3000):
        r = rng.random()
        if r < 0.55:
            lines.append(" ".join(english_sentence(rng) for _ in range(rng.randint(1, 3))))
        elif r < 0.8:
            lines.append(rng.choice(CHAT_LINES))
        elif r < 0.9:
            lines.append(rng.choice(EXTRA_SENTENCES))
        else:
            lines.append(f"{rng.randint(0, 9999)} {rng.choice(['apples', 'people', 'km', 'items', 'years'])}, "
                         f"{rng.randint(0, 99)}.{rng.randint(0, 99)}%")
    return lines


def train_bpe(lines, n_merges):
    """Classic BPE on pre-tokenized words: repeatedly merge the most frequent adjacent pair
    (ties: the smallest pair in string order), as the tokenizers library's trainer does."""
    words = collections.Counter(w for line in lines for w in pre_tokenize(line))
    words = [(list(w), c) for w, c in sorted(words.items())]
    merges = []
    for _ in range(n_merges):
        pairs = collections.Counter()
        for syms, c in words:
            for a, b in zip(syms, syms[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        joined = best[0] + best[1]
        for syms, _ in words:
            i = 0
            while i < len(syms) - 1:
                if syms[i] == best[0] and syms[i + 1] == best[1]:
                    syms[i:i + 2] = [joined]
                i += 1
    return merges


def bpe_encode(word, ranks, vocab):
    """HF tokenizers' BPE on one pre-token: merge the lowest-ranked adjacent pair first."""
    syms = list(word)
    while len(syms) > 1:
        best = min(((ranks.get((a, b), math.inf), i) for i, (a, b) in enumerate(zip(syms, syms[1:]))))
        if best[0] == math.inf:
            break
        i = best[1]
        syms[i:i + 2] = [syms[i] + syms[i + 1]]
    return [vocab[s] for s in syms]


def added_token(tid, content):
    return {"id": tid, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": True}


def write_tokenizer(out, merges, max_len):
    vocab = {s: i for i, s in enumerate(SPECIALS)}
    for b in range(256):
        vocab[BYTE_CHARS[b]] = len(vocab)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added_token(i, c) for i, c in enumerate(SPECIALS)],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": SPLIT_PATTERN}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [[a, b] for a, b in merges]},
    }
    write_json(os.path.join(out, "tokenizer.json"), tok)
    write_json(os.path.join(out, "vocab.json"), vocab, indent=None)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("#version: 0.2\n")
        f.writelines(f"{a} {b}\n" for a, b in merges)
    write_json(os.path.join(out, "tokenizer_config.json"), {
        "add_prefix_space": False,
        "added_tokens_decoder": {str(i): {k: v for k, v in added_token(i, c).items() if k != "id"}
                                 for i, c in enumerate(SPECIALS)},
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "bos_token": "<|im_start|>",
        "chat_template": CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>",
        "model_max_length": max_len,
        "pad_token": "<|im_end|>",
        "tokenizer_class": "GPT2Tokenizer",
        "unk_token": "<|endoftext|>",
        "vocab_size": len(vocab),
    })
    write_json(os.path.join(out, "special_tokens_map.json"), {
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "bos_token": {"content": "<|im_start|>", "lstrip": False, "normalized": False, "rstrip": False, "single_word": False},
        "eos_token": {"content": "<|im_end|>", "lstrip": False, "normalized": False, "rstrip": False, "single_word": False},
        "pad_token": {"content": "<|im_end|>", "lstrip": False, "normalized": False, "rstrip": False, "single_word": False},
        "unk_token": {"content": "<|endoftext|>", "lstrip": False, "normalized": False, "rstrip": False, "single_word": False},
    })
    return vocab


# ---------------------------------------------------------------------------------------------
# Model: the computation of transformers' LlamaForCausalLM (eval mode, eager attention).
class Cfg:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class RMSNorm(torch.nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def repeat_kv(x, groups):
    """transformers' repeat_kv: [B, kv_heads, T, D] -> [B, kv_heads * groups, T, D]."""
    b, h, t, d = x.shape
    return x[:, :, None].expand(b, h, groups, t, d).reshape(b, h * groups, t, d)


class Attention(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        nn = torch.nn
        self.c = c
        self.q_proj = nn.Linear(c.hidden_size, c.num_attention_heads * c.head_dim, bias=False)
        self.k_proj = nn.Linear(c.hidden_size, c.num_key_value_heads * c.head_dim, bias=False)
        self.v_proj = nn.Linear(c.hidden_size, c.num_key_value_heads * c.head_dim, bias=False)
        self.o_proj = nn.Linear(c.num_attention_heads * c.head_dim, c.hidden_size, bias=False)

    def forward(self, x, cos, sin, bias, past):
        c = self.c
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, c.num_attention_heads, c.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, c.num_key_value_heads, c.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, c.num_key_value_heads, c.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        present = (k, v)
        groups = c.num_attention_heads // c.num_key_value_heads
        kr, vr = repeat_kv(k, groups), repeat_kv(v, groups)
        scores = torch.matmul(q, kr.transpose(2, 3)) / math.sqrt(c.head_dim) + bias
        w = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(w, vr).transpose(1, 2).reshape(b, s, -1)
        return self.o_proj(ctx), present


class Mlp(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        nn = torch.nn
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(torch.nn.functional.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c)
        self.mlp = Mlp(c)
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)

    def forward(self, x, cos, sin, bias, past):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, bias, past)
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x)), present


class LlamaForCausalLM(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        nn = torch.nn
        self.c = c
        self.model = nn.Module()
        self.model.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.model.layers = nn.ModuleList([Layer(c) for _ in range(c.num_hidden_layers)])
        self.model.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        inv = 1.0 / (c.rope_theta ** (torch.arange(0, c.head_dim, 2, dtype=torch.float32) / c.head_dim))
        self.register_buffer("inv_freq", inv, persistent=False)

    def forward(self, input_ids, attention_mask, position_ids, past=None):
        """input_ids, position_ids [B, S]; attention_mask [B, P + S] (1 = attend); past: per layer
        (key, value) [B, kv_heads, P, head_dim] or None. Returns logits [B, S, V] and the new cache."""
        x = self.model.embed_tokens(input_ids)
        freqs = position_ids[:, :, None].float() * self.inv_freq[None, None, :]
        emb = torch.cat([freqs, freqs], dim=-1)
        cos, sin = emb.cos()[:, None], emb.sin()[:, None]
        # Causal and padding mask from shapes alone (traced dynamically): key j is visible to query
        # i (absolute position P + i) when j <= P + i and attention_mask[:, j] is 1.
        k_idx = torch.cumsum(torch.ones_like(attention_mask[:1]), -1) - 1            # [1, P+S]
        q_loc = torch.cumsum(torch.ones_like(input_ids[:1]), -1) - 1                 # [1, S]
        q_idx = q_loc + (k_idx[:, -1:] - q_loc[:, -1:])                              # [1, S]
        allowed = (k_idx[:, None, None, :] <= q_idx[:, None, :, None]) & (attention_mask[:, None, None, :] > 0)
        bias = torch.where(allowed, torch.zeros((), dtype=torch.float32),
                           torch.full((), torch.finfo(torch.float32).min, dtype=torch.float32))
        presents = []
        for i, layer in enumerate(self.model.layers):
            x, p = layer(x, cos, sin, bias, None if past is None else past[i])
            presents.append(p)
        h = self.model.norm(x)
        logits = torch.matmul(h, self.model.embed_tokens.weight.t())  # tied lm_head
        return logits, presents


def init_weights(model, c, seed, gains):
    """Seeded NumPy draws in parameter order (c.used_ids: the ids the tokenizer gives the corpus).
    transformers initialises Linear and Embedding weights N(0, 0.02); here the scales are larger (embeddings N(0, 1), projections ~1/sqrt(fan-in)
    times a gain, a random-sign final norm) so that a random model with tied embeddings does not
    just repeat its last token, and greedy choices have clear margins."""
    rng = np.random.default_rng(seed)

    def normal(shape, std):
        return torch.from_numpy(rng.normal(0.0, std, size=shape).astype(np.float32))

    with torch.no_grad():
        for name, p in model.named_parameters():
            shape = tuple(p.shape)
            if name == "model.norm.weight":
                p.copy_(normal(shape, gains["final"]))
            elif name.endswith("norm.weight"):
                p.copy_(1.0 + normal(shape, 0.1))
            elif name == "model.embed_tokens.weight":
                w = normal(shape, 1.0)
                w[c.eos_token_id] *= gains["eos"]
                # byte tokens the corpus never produces (controls, most non-ASCII bytes) rarely come out
                w[[i for i in range(c.vocab_size) if i not in c.used_ids]] *= 0.1
                p.copy_(w)
            elif name.endswith(("q_proj.weight", "k_proj.weight")):
                p.copy_(normal(shape, gains["qk"] * shape[1] ** -0.5))
            elif name.endswith(("o_proj.weight", "down_proj.weight")):
                p.copy_(normal(shape, gains["out"] * shape[1] ** -0.5))
            else:
                p.copy_(normal(shape, shape[1] ** -0.5))


def torch_greedy(m, ids, max_new=20, eos=2, use_cache=True):
    ids = list(ids)
    out = []
    with torch.no_grad():
        if use_cache:
            t = torch.tensor([ids])
            logits, past = m(t, torch.ones_like(t), torch.arange(len(ids))[None])
            for _ in range(max_new):
                nxt = int(logits[0, -1].argmax())
                out.append(nxt)
                if nxt == eos:
                    break
                n = len(ids) + len(out)
                logits, past = m(torch.tensor([[nxt]]), torch.ones(1, n, dtype=torch.long),
                                 torch.tensor([[n - 1]]), past)
        else:
            for _ in range(max_new):
                t = torch.tensor([ids + out])
                logits, _ = m(t, torch.ones_like(t), torch.arange(t.shape[1])[None])
                nxt = int(logits[0, -1].argmax())
                out.append(nxt)
                if nxt == eos:
                    break
    return out


# ---------------------------------------------------------------------------------------------
# ONNX export with Optimum's names and dynamic axes (exporters/onnx/config.py,
# TextDecoderWithPositionIdsOnnxConfig + add_past_key_values).
def pkv_names(prefix, n_layers):
    return [f"{prefix}.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]


class ExportWrapper(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.m(input_ids, attention_mask, position_ids, past)
        return (logits, *[t for p in presents for t in p])


def export_model(m, c, out):
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    path = os.path.join(out, "onnx", "model.onnx")
    n = c.num_hidden_layers
    past_len, seq = 3, 2
    ids = torch.tensor([[5, 300], [7, 400]])
    mask = torch.ones(2, past_len + seq, dtype=torch.long)
    pos = torch.tensor([[3, 4], [3, 4]])
    past = [torch.randn(2, c.num_key_value_heads, past_len, c.head_dim) for _ in range(2 * n)]
    inputs = ["input_ids", "attention_mask", "position_ids"] + pkv_names("past_key_values", n)
    outputs = ["logits"] + pkv_names("present", n)
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    for name in pkv_names("past_key_values", n):
        axes[name] = {0: "batch_size", 2: "past_sequence_length"}
    for name in pkv_names("present", n):
        axes[name] = {0: "batch_size", 2: "past_sequence_length + sequence_length"}
    model = export(ExportWrapper(m), (ids, mask, pos, *past), path, inputs, outputs, axes,
                   embedding="model.embed_tokens.weight")
    model.producer_name, model.producer_version = "webdemo make_model.py", "1"
    model.doc_string = "Random-weight LlamaForCausalLM with cache (webdemo test fixture)"
    onnx.checker.check_model(model)
    onnx.save(model, path)


# ---------------------------------------------------------------------------------------------
def onnx_test_vectors(m, c, seqs):
    """A left-padded batch, logits of every position without cache, and the greedy continuation
    with its per-step logits (cache), for check_onnx.mjs."""
    T = max(len(s) for s in seqs)
    ids = [[c.pad_token_id] * (T - len(s)) + s for s in seqs]
    mask = [[0] * (T - len(s)) + [1] * len(s) for s in seqs]
    pos = [[max(0, j - (T - len(s))) for j in range(T)] for s in seqs]  # transformers.js: cumsum - 1, padding 1
    pos = [[(p if mk else 1) for p, mk in zip(pr, mr)] for pr, mr in zip(pos, mask)]
    with torch.no_grad():
        logits, _ = m(torch.tensor(ids), torch.tensor(mask), torch.tensor(pos))
    greedy = [{"ids": s, "new": torch_greedy(m, s, max_new=12)} for s in seqs]
    return {"input_ids": ids, "attention_mask": mask, "position_ids": pos, "shape_logits": list(logits.shape),
            "logits": logits.flatten().tolist(), "greedy": greedy, "num_layers": c.num_hidden_layers,
            "num_kv_heads": c.num_key_value_heads, "head_dim": c.head_dim}


def tokenizer_test_strings(lines, seed):
    rng = random.Random(seed + 7)
    return [lines[rng.randrange(len(lines))] for _ in range(200)] + CHAT_LINES


def run_node_check(out, vectors, tok_cases, tjs_dir):
    with open(os.path.join(out, "_check.json"), "w", encoding="utf-8") as f:
        json.dump({"vectors": vectors, "tokenizer": tok_cases}, f, ensure_ascii=False)
    try:
        r = subprocess.run(["node", os.path.join(HERE, "check_onnx.mjs"), out], cwd=tjs_dir)
    finally:
        os.remove(os.path.join(out, "_check.json"))
    if r.returncode != 0:
        sys.exit("check_onnx.mjs failed: nothing written")


def write_configs(out, c):
    write_json(os.path.join(out, "config.json"), {
        "_name_or_path": "webdemo/llama-tiny-random",
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": c.bos_token_id,
        "eos_token_id": c.eos_token_id,
        "head_dim": c.head_dim,
        "hidden_act": "silu",
        "hidden_size": c.hidden_size,
        "initializer_range": 0.02,
        "intermediate_size": c.intermediate_size,
        "max_position_embeddings": c.max_position_embeddings,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": c.num_attention_heads,
        "num_hidden_layers": c.num_hidden_layers,
        "num_key_value_heads": c.num_key_value_heads,
        "pad_token_id": c.pad_token_id,
        "pretraining_tp": 1,
        "rms_norm_eps": c.rms_norm_eps,
        "rope_scaling": None,
        "rope_theta": c.rope_theta,
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "transformers_version": "4.46.0",
        "use_cache": True,
        "vocab_size": c.vocab_size,
    })
    write_json(os.path.join(out, "generation_config.json"), {
        "bos_token_id": c.bos_token_id, "eos_token_id": c.eos_token_id, "pad_token_id": c.pad_token_id,
        "transformers_version": "4.46.0"})


def build(a, out, node_check=True):
    lines = build_corpus(a.seed)
    merges = train_bpe(lines, a.vocab - len(SPECIALS) - 256)
    os.makedirs(out, exist_ok=True)
    vocab = write_tokenizer(out, merges, a.max_position_embeddings)
    ranks = {p: i for i, p in enumerate(merges)}
    c = Cfg(vocab_size=len(vocab), hidden_size=a.hidden, intermediate_size=a.intermediate,
            num_hidden_layers=a.layers, num_attention_heads=a.heads, num_key_value_heads=a.kv_heads,
            head_dim=a.hidden // a.heads, rms_norm_eps=1e-5, rope_theta=10000.0,
            max_position_embeddings=a.max_position_embeddings, bos_token_id=1, eos_token_id=2, pad_token_id=2)
    write_configs(out, c)
    encode = lambda s: [i for w in pre_tokenize(s) for i in bpe_encode(w, ranks, vocab)]  # noqa: E731
    c.used_ids = set(range(len(SPECIALS))) | {i for line in lines for i in encode(line)}
    torch.manual_seed(a.seed)
    m = LlamaForCausalLM(c).eval()
    init_weights(m, c, a.seed, {"qk": a.qk_gain, "out": a.out_gain, "eos": a.eos_gain, "final": a.final_gain})
    print(f"tokenizer: {len(merges)} merges, {len(vocab)} tokens, {len(c.used_ids)} of them in the corpus")
    prompts = ["Hello! How can I help you today?", "<|im_start|>user\nWhy is the sky blue?<|im_end|>\n<|im_start|>assistant\n",
               "The farmer sold a small house.", "12 + 30 = 42."]
    seqs = []
    for p in prompts:
        parts = re.split(r"(<\|im_start\|>|<\|im_end\|>)", p)
        seqs.append([vocab[x] if x in SPECIALS else i for x in parts if x for i in ([0] if x in SPECIALS else encode(x))])
    for s in seqs:
        print(f"  greedy {s[:6]}... -> {torch_greedy(m, s)}")
        assert torch_greedy(m, s) == torch_greedy(m, s, use_cache=False)
    export_model(m, c, out)
    if node_check:
        cases = [{"text": t, "ids": encode(t)} for t in tokenizer_test_strings(lines, a.seed) if t.isascii()]
        run_node_check(out, onnx_test_vectors(m, c, seqs), cases, a.tjs_dir)
    return m, c


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--intermediate", type=int, default=128)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=768, help="tokens in all: 3 special + 256 bytes + merges")
    ap.add_argument("--max-position-embeddings", type=int, default=512)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--qk-gain", type=float, default=2.0)
    ap.add_argument("--out-gain", type=float, default=3.0)
    ap.add_argument("--eos-gain", type=float, default=2.0, help="scale of the <|im_end|> embedding row (how soon EOS comes)")
    ap.add_argument("--final-gain", type=float, default=3.0)
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--tjs-dir", default=os.environ.get("TJS_DIR", "/tmp/tjs"),
                    help="folder whose node_modules has @huggingface/transformers (and onnxruntime-node)")
    ap.add_argument("--skip-node", action="store_true", help="skip check_onnx.mjs (not for commits)")
    ap.add_argument("--check", action="store_true", help="rebuild into a temp dir and require byte-identical files in --out")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        m, c = build(a, tmp, node_check=not a.skip_node)
        if a.check:
            bad = [f for f in FILES if not filecmp.cmp(os.path.join(tmp, f), os.path.join(a.out, f), shallow=False)]
            print("reproducible: " + ("all files identical" if not bad else "DIFFERENT: " + ", ".join(bad)))
            sys.exit(1 if bad else 0)
        for f in FILES:
            os.makedirs(os.path.dirname(os.path.join(a.out, f)), exist_ok=True)
            shutil.copyfile(os.path.join(tmp, f), os.path.join(a.out, f))
    print(f"wrote {a.out}: vocab_size {c.vocab_size}, hidden {c.hidden_size}, heads {c.num_attention_heads} "
          f"(kv {c.num_key_value_heads}) x {c.head_dim}, {c.num_hidden_layers} layers")


if __name__ == "__main__":
    main()
