#!/usr/bin/python3
"""Build a random-weight Stable Diffusion (1.5-style) pipeline in the layout Optimum exports a
diffusers StableDiffusionPipeline to ONNX, at a tiny size, with a CLIP byte-level BPE tokenizer
whose merges this script learns itself from text it writes itself.

Nothing is downloaded or copied. The corpus comes from word lists (image prompts below plus the
English sentence generator of ../t5-tiny-random/make_model.py, imported), the merges from the small
BPE trainer below, the weights from a seeded NumPy generator. The architectures are written out in
plain torch, faithful to transformers' CLIPTextModel and diffusers' UNet2DConditionModel and
AutoencoderKL's decoder, and exported with torch.onnx.export with Optimum's input/output names,
dtypes and dynamic axes (optimum-onnx, optimum/exporters/onnx/model_configs.py: CLIPTextOnnxConfig,
UNetOnnxConfig, VaeDecoderOnnxConfig; see README.md):

    text_encoder/model.onnx   input_ids (int64) -> last_hidden_state, pooler_output
    unet/model.onnx           sample, timestep (float32 scalar), encoder_hidden_states -> out_sample
    vae_decoder/model.onnx    latent_sample -> sample

    /usr/bin/python3 make_model.py                 # the committed fixture, in place
    /usr/bin/python3 make_model.py --check         # rebuild in a temp dir, compare bytes
    /usr/bin/python3 make_model.py --unet-only --out /tmp/sd15-unet --block-channels 320,640,1280,1280 \\
        --layers-per-block 2 --cross-attention-dim 768 --attention-heads 8 --norm-groups 32 --fp16
                                                   # an SD 1.5-shaped random UNet for a benchmark
                                                   # (about 3.4 GB in fp32: never into the repo)

Every build of the fixture runs check_onnx.mjs (node, with onnxruntime-node and transformers.js
resolved from --tjs-dir, default $TJS_DIR or /tmp/tjs) on the files in a temp dir before they are
copied into place: ONNX Runtime vs torch for the three models, and transformers.js's tokenizer on
tokenizer/tokenizer.json vs this script's own CLIP BPE encoder. --skip-node skips that (not for commits).

Needs Debian's python3-torch, python3-onnx, python3-numpy (apt).
"""
import argparse
import collections
import filecmp
import importlib.util
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
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
_spec = importlib.util.spec_from_file_location("t5_make_model", os.path.join(HERE, "..", "t5-tiny-random", "make_model.py"))
_t5 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_t5)  # the T5 fixture's script (its sentence generator and JSON writer)
EXTRA_SENTENCES, english_sentence, write_json = _t5.EXTRA_SENTENCES, _t5.english_sentence, _t5.write_json

OPSET = 14
BOS, EOS = "<|startoftext|>", "<|endoftext|>"
MAX_LEN = 77
SCALING_FACTOR = 0.18215
FILES = ["model_index.json", "scheduler/scheduler_config.json",
         "text_encoder/config.json", "text_encoder/model.onnx",
         "tokenizer/vocab.json", "tokenizer/merges.txt", "tokenizer/tokenizer.json",
         "tokenizer/tokenizer_config.json", "tokenizer/special_tokens_map.json",
         "unet/config.json", "unet/model.onnx", "vae_decoder/config.json", "vae_decoder/model.onnx"]
# CLIP's pre-tokenizer split (tokenizer.json of openai/clip-vit-*: Split, behavior Removed, invert
# true): contractions, letter runs, single digits, runs of other non-space characters.
SPLIT_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
# The same for Python's re on the script's own text (letters [^\W\d_], digits \d).
PY_SPLIT = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|(?:[^\s\w]|_)+")

# Image prompts: subject, setting, style, quality words, as people write them for Stable Diffusion.
ADJ = ["red", "blue", "green", "golden", "tiny", "giant", "old", "ancient", "futuristic", "cozy", "dark",
       "bright", "snowy", "misty", "colorful", "wooden", "glass", "stone", "cute", "majestic", "lonely"]
NOUNS = ["fox", "cat", "dog", "castle", "forest", "mountain", "lake", "city", "robot", "dragon", "house",
         "lighthouse", "ship", "garden", "astronaut", "owl", "tree", "bridge", "car", "village", "portrait",
         "woman", "man", "flower", "cabin", "river", "island", "train", "street", "horse"]
PLACES = ["in the snow", "at sunset", "on the moon", "under the sea", "in a forest", "on a hill",
          "in the rain", "at night", "in space", "by the lake", "in a city street", "in the desert"]
STYLES = ["a photo of", "a painting of", "an illustration of", "a watercolor of", "a sketch of",
          "a 3d render of", "digital art of", "an oil painting of", "a close-up photo of"]
QUALITY = ["highly detailed", "4k", "8k", "trending on artstation", "sharp focus", "cinematic lighting",
           "octane render", "studio lighting", "masterpiece", "best quality", "unreal engine", "bokeh",
           "by greg rutkowski", "concept art", "soft light", "vibrant colors", "hdr", "realistic"]
NEGATIVE = ["blurry", "low quality", "ugly", "deformed", "bad anatomy", "watermark", "text",
            "worst quality", "jpeg artifacts", "extra fingers", "out of frame", "lowres"]


def image_prompt(rng):
    s = f"{rng.choice(STYLES)} a {rng.choice(ADJ)} {rng.choice(NOUNS)} {rng.choice(PLACES)}"
    if rng.random() < 0.7:
        s += ", " + ", ".join(rng.sample(QUALITY, rng.randint(1, 4)))
    if rng.random() < 0.3:
        s = s.capitalize()
    return s


def build_corpus(seed):
    rng = random.Random(seed)
    lines = []
    for _ in range(3000):
        r = rng.random()
        if r < 0.6:
            lines.append(image_prompt(rng))
        elif r < 0.75:
            lines.append(", ".join(rng.sample(NEGATIVE, rng.randint(2, 6))))
        elif r < 0.92:
            lines.append(english_sentence(rng))
        else:
            lines.append(rng.choice(EXTRA_SENTENCES))
    return lines


# ---------------------------------------------------------------------------------------------
# Tokenizer: CLIP's (transformers' CLIPTokenizer / openai's simple_tokenizer): text -> whitespace
# cleaned, lower-cased; split by SPLIT_PATTERN; each piece as GPT-2's byte-to-unicode characters,
# the last with "</w>" appended; BPE merges; ids from vocab.json. Vocab order as CLIP builds it: the
# 256 byte characters, the same 256 with "</w>", the merges' results, <|startoftext|>, <|endoftext|>.
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


def normalize(text):
    return re.sub(r"\s+", " ", text).strip().lower()


def pre_tokenize(text):
    return ["".join(BYTE_CHARS[b] for b in w.encode("utf-8")) for w in PY_SPLIT.findall(normalize(text))]


def word_symbols(w):
    return list(w[:-1]) + [w[-1] + "</w>"]


def train_bpe(lines, n_merges):
    """Classic BPE on pre-tokenized words with CLIP's "</w>" word ends: repeatedly merge the most
    frequent adjacent pair (ties: the smallest pair in string order). A pair whose result is already a
    token (made by other merges) is skipped, so every merge adds one new vocabulary entry, as CLIP's
    vocab (bytes, bytes + </w>, one token per merge) requires."""
    words = collections.Counter(w for line in lines for w in pre_tokenize(line))
    words = [(word_symbols(w), c) for w, c in sorted(words.items())]
    merges, have = [], set(BYTE_CHARS.values()) | {c + "</w>" for c in BYTE_CHARS.values()}
    while len(merges) < n_merges:
        pairs = collections.Counter()
        for syms, c in words:
            for a, b in zip(syms, syms[1:]):
                if a + b not in have:
                    pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        joined = best[0] + best[1]
        have.add(joined)
        for syms, _ in words:
            i = 0
            while i < len(syms) - 1:
                if syms[i] == best[0] and syms[i + 1] == best[1]:
                    syms[i:i + 2] = [joined]
                i += 1
    return merges


def make_vocab(merges):
    chars = list(BYTE_CHARS.values())
    tokens = chars + [c + "</w>" for c in chars] + [a + b for a, b in merges] + [BOS, EOS]
    vocab = {t: i for i, t in enumerate(tokens)}
    assert len(vocab) == len(tokens)
    return vocab


def bpe_encode(word, ranks, vocab):
    """CLIP's bpe(): merge the lowest-ranked adjacent pair (all its occurrences) until none is left."""
    syms = word_symbols(word)
    while len(syms) > 1:
        best = min(((ranks.get((a, b), math.inf), i) for i, (a, b) in enumerate(zip(syms, syms[1:]))))
        if best[0] == math.inf:
            break
        i = best[1]
        syms[i:i + 2] = [syms[i] + syms[i + 1]]
    return [vocab[s] for s in syms]


def encode(text, ranks, vocab):
    """Token ids with <|startoftext|> and <|endoftext|>, no padding or truncation."""
    return [vocab[BOS]] + [i for w in pre_tokenize(text) for i in bpe_encode(w, ranks, vocab)] + [vocab[EOS]]


def pipeline_ids(text, ranks, vocab):
    """What StableDiffusionPipeline.encode_prompt feeds the text encoder: tokenizer(text,
    padding="max_length", max_length=77, truncation=True): at most 75 text tokens between the two
    specials, padded with <|endoftext|> (the pad token) to 77."""
    ids = encode(text, ranks, vocab)
    if len(ids) > MAX_LEN:
        ids = ids[:MAX_LEN - 1] + [vocab[EOS]]
    return ids + [vocab[EOS]] * (MAX_LEN - len(ids))


def added_token(tid, content, normalized):
    return {"id": tid, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": normalized, "special": True}


def write_tokenizer(out, merges):
    d = os.path.join(out, "tokenizer")
    os.makedirs(d, exist_ok=True)
    vocab = make_vocab(merges)
    bos, eos = vocab[BOS], vocab[EOS]
    # tokenizer.json as the tokenizers library writes CLIP's (openai/clip-vit-large-patch14).
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added_token(bos, BOS, True), added_token(eos, EOS, False)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"}, {"type": "Replace", "pattern": {"Regex": r"\s+"}, "content": " "}, {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": SPLIT_PATTERN}, "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "RobertaProcessing", "sep": [EOS, eos], "cls": [BOS, bos],
                           "trim_offsets": False, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": EOS, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }
    write_json(os.path.join(d, "tokenizer.json"), tok)
    write_json(os.path.join(d, "vocab.json"), vocab, indent=None)
    with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("#version: 0.2\n")
        f.writelines(f"{a} {b}\n" for a, b in merges)
    special = lambda c: {"content": c, "lstrip": False, "normalized": True, "rstrip": False,  # noqa: E731
                         "single_word": False}
    write_json(os.path.join(d, "special_tokens_map.json"), {
        "bos_token": special(BOS), "eos_token": special(EOS), "pad_token": EOS, "unk_token": special(EOS)})
    write_json(os.path.join(d, "tokenizer_config.json"), {
        "add_prefix_space": False,
        "added_tokens_decoder": {str(bos): {k: v for k, v in added_token(bos, BOS, True).items() if k != "id"},
                                 str(eos): {k: v for k, v in added_token(eos, EOS, False).items() if k != "id"}},
        "bos_token": BOS,
        "clean_up_tokenization_spaces": True,
        "do_lower_case": True,
        "eos_token": EOS,
        "errors": "replace",
        "model_max_length": MAX_LEN,
        "pad_token": EOS,
        "tokenizer_class": "CLIPTokenizer",
        "unk_token": EOS,
    })
    return vocab


# ---------------------------------------------------------------------------------------------
# Models. Module and parameter names are transformers' / diffusers' (so the ONNX initializers carry
# the names of the real checkpoints' tensors).
class Cfg:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class CLIPAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.hd = heads, d // heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, mask):
        B, T, D = x.shape
        sh = lambda t: t.reshape(B, T, self.heads, self.hd).transpose(1, 2)  # noqa: E731
        q, k, v = sh(self.q_proj(x)) * self.hd ** -0.5, sh(self.k_proj(x)), sh(self.v_proj(x))
        w = torch.softmax(q @ k.transpose(-1, -2) + mask, dim=-1)
        return self.out_proj((w @ v).transpose(1, 2).reshape(B, T, D))


class CLIPMLP(nn.Module):
    def __init__(self, d, inter):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d, inter), nn.Linear(inter, d)

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(h * torch.sigmoid(1.702 * h))  # quick_gelu


class CLIPEncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = CLIPAttention(c.hidden_size, c.num_attention_heads)
        self.layer_norm1 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.mlp = CLIPMLP(c.hidden_size, c.intermediate_size)
        self.layer_norm2 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp(self.layer_norm2(x))


class Holder(nn.Module):
    pass


class CLIPTextModel(nn.Module):
    """transformers' CLIPTextModel (text_model.*): token + position embeddings, pre-LN encoder layers
    with a causal mask and quick_gelu MLP, final layer norm; pooler_output = the hidden state at the
    first <|endoftext|> (CLIPTextTransformer.forward, eos_token_id != 2 branch)."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        tm = self.text_model = Holder()
        tm.embeddings = Holder()
        tm.embeddings.token_embedding = nn.Embedding(c.vocab_size, c.hidden_size)
        tm.embeddings.position_embedding = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        tm.encoder = Holder()
        tm.encoder.layers = nn.ModuleList(CLIPEncoderLayer(c) for _ in range(c.num_hidden_layers))
        tm.final_layer_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids):
        tm = self.text_model
        T = input_ids.shape[1]
        pos = torch.arange(T, device=input_ids.device)
        x = tm.embeddings.token_embedding(input_ids) + tm.embeddings.position_embedding(pos)[None]
        mask = torch.where(pos[None, :] > pos[:, None], torch.tensor(torch.finfo(torch.float32).min),
                           torch.tensor(0.0))[None, None]
        for layer in tm.encoder.layers:
            x = layer(x, mask)
        x = tm.final_layer_norm(x)
        eos_pos = (input_ids == self.c.eos_token_id).int().argmax(dim=-1)
        pooled = x[torch.arange(x.shape[0]), eos_pos]
        return x, pooled


def timestep_embedding(t, dim, flip_sin_to_cos=True, downscale_freq_shift=0.0, max_period=10000):
    """diffusers models/embeddings.py get_timestep_embedding."""
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(0, half, dtype=torch.float32) / (half - downscale_freq_shift)
    emb = t[:, None].float() * torch.exp(exponent)[None, :]
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    return emb


class ResnetBlock2D(nn.Module):
    """diffusers resnet.py ResnetBlock2D (default time_embedding_norm, output_scale_factor 1)."""

    def __init__(self, cin, cout, temb, groups, eps):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        if temb:
            self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        if cin != cout:
            self.conv_shortcut = nn.Conv2d(cin, cout, 1)

    def forward(self, x, temb=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if temb is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        if hasattr(self, "conv_shortcut"):
            x = self.conv_shortcut(x)
        return x + h


def attention(q, k, v, heads):
    B, Tq, D = q.shape
    Tk = k.shape[1]
    hd = D // heads
    q = q.reshape(B, Tq, heads, hd).transpose(1, 2)
    k = k.reshape(B, Tk, heads, hd).transpose(1, 2)
    v = v.reshape(B, Tk, heads, hd).transpose(1, 2)
    w = torch.softmax((q @ k.transpose(-1, -2)) * hd ** -0.5, dim=-1)
    return (w @ v).transpose(1, 2).reshape(B, Tq, D)


class Attention(nn.Module):
    """diffusers attention_processor.py Attention (AttnProcessor2_0): to_q/to_k/to_v (no bias in the
    UNet, bias in the VAE), to_out.0 with bias."""

    def __init__(self, dim, heads, ctx_dim=None, bias=False, group_norm=None):
        super().__init__()
        self.heads = heads
        if group_norm:
            self.group_norm = nn.GroupNorm(group_norm, dim, eps=1e-6)
        self.to_q = nn.Linear(dim, dim, bias=bias)
        self.to_k = nn.Linear(ctx_dim or dim, dim, bias=bias)
        self.to_v = nn.Linear(ctx_dim or dim, dim, bias=bias)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim)])

    def forward(self, x, ctx=None):
        ctx = x if ctx is None else ctx
        return self.to_out[0](attention(self.to_q(x), self.to_k(ctx), self.to_v(ctx), self.heads))


class GEGLU(nn.Module):
    def __init__(self, d, inner):
        super().__init__()
        self.proj = nn.Linear(d, inner * 2)

    def forward(self, x):
        h, gate = self.proj(x).chunk(2, dim=-1)
        return h * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(d, 4 * d), nn.Identity(), nn.Linear(4 * d, d)])

    def forward(self, x):
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    """diffusers attention.py BasicTransformerBlock (layer_norm, self-attn, cross-attn, GEGLU)."""

    def __init__(self, d, heads, ctx_dim):
        super().__init__()
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(d) for _ in range(3))
        self.attn1 = Attention(d, heads)
        self.attn2 = Attention(d, heads, ctx_dim)
        self.ff = FeedForward(d)

    def forward(self, x, ctx):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), ctx) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    """diffusers transformer_2d.py Transformer2DModel, SD 1.5's form: GroupNorm (eps 1e-6), 1x1 conv
    proj_in / proj_out (use_linear_projection false), one BasicTransformerBlock, residual."""

    def __init__(self, ch, heads, ctx_dim, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, ch, eps=1e-6)
        self.proj_in = nn.Conv2d(ch, ch, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(ch, heads, ctx_dim)])
        self.proj_out = nn.Conv2d(ch, ch, 1)

    def forward(self, x, ctx):
        B, C, H, W = x.shape
        h = self.proj_in(self.norm(x))
        h = h.permute(0, 2, 3, 1).reshape(B, H * W, C)
        for blk in self.transformer_blocks:
            h = blk(h, ctx)
        h = h.reshape(B, H, W, C).permute(0, 3, 1, 2)
        return self.proj_out(h) + x


class Downsample2D(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Block(nn.Module):
    """CrossAttnDownBlock2D / DownBlock2D / CrossAttnUpBlock2D / UpBlock2D / UNetMidBlock2DCrossAttn
    (unet_2d_blocks.py): resnets[i] then attentions[i] (when cross-attention); up blocks first
    concatenate the last skip state on the channel axis."""

    def __init__(self, ins, cout, temb, c, attn, down=False, up=False):
        super().__init__()
        self.resnets = nn.ModuleList(ResnetBlock2D(i, cout, temb, c.norm_num_groups, c.norm_eps) for i in ins)
        if attn:
            n = len(ins)
            self.attentions = nn.ModuleList(
                Transformer2DModel(cout, c.heads, c.cross_attention_dim, c.norm_num_groups) for _ in range(n))
        if down:
            self.downsamplers = nn.ModuleList([Downsample2D(cout)])
        if up:
            self.upsamplers = nn.ModuleList([Upsample2D(cout)])


class UNet2DConditionModel(nn.Module):
    """diffusers unet_2d_condition.py UNet2DConditionModel, SD 1.5's configuration at any size:
    sinusoidal time embedding (flip_sin_to_cos, freq_shift 0) + TimestepEmbedding MLP, conv_in,
    down blocks (CrossAttnDownBlock2D..., DownBlock2D last), UNetMidBlock2DCrossAttn, up blocks
    (UpBlock2D first, CrossAttnUpBlock2D...) with skip concatenation, GroupNorm, SiLU, conv_out."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        ch = c.block_out_channels
        temb = ch[0] * 4
        self.time_embedding = Holder()
        self.time_embedding.linear_1 = nn.Linear(ch[0], temb)
        self.time_embedding.linear_2 = nn.Linear(temb, temb)
        self.conv_in = nn.Conv2d(c.in_channels, ch[0], 3, padding=1)
        self.down_blocks = nn.ModuleList()
        out = ch[0]
        for i, t in enumerate(c.down_block_types):
            cin, out = out, ch[i]
            final = i == len(ch) - 1
            self.down_blocks.append(Block([cin] + [out] * (c.layers_per_block - 1), out, temb, c,
                                          t == "CrossAttnDownBlock2D", down=not final))
        self.mid_block = Block([ch[-1], ch[-1]], ch[-1], temb, c, True)
        self.mid_block.attentions = self.mid_block.attentions[:1]
        self.up_blocks = nn.ModuleList()
        rev = list(reversed(ch))
        out = rev[0]
        for i, t in enumerate(c.up_block_types):
            prev, out, cin = out, rev[i], rev[min(i + 1, len(ch) - 1)]
            final = i == len(ch) - 1
            n = c.layers_per_block + 1
            ins = [(prev if j == 0 else out) + (cin if j == n - 1 else out) for j in range(n)]
            self.up_blocks.append(Block(ins, out, temb, c, t == "CrossAttnUpBlock2D", up=not final))
        self.conv_norm_out = nn.GroupNorm(c.norm_num_groups, ch[0], eps=c.norm_eps)
        self.conv_out = nn.Conv2d(ch[0], c.out_channels, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        t = timestep.reshape(-1).expand(sample.shape[0]) if timestep.dim() == 0 else timestep.expand(sample.shape[0])
        emb = timestep_embedding(t, self.c.block_out_channels[0]).to(sample.dtype)
        emb = self.time_embedding.linear_2(F.silu(self.time_embedding.linear_1(emb)))
        x = self.conv_in(sample)
        skips = [x]
        for b in self.down_blocks:
            for i, r in enumerate(b.resnets):
                x = r(x, emb)
                if hasattr(b, "attentions"):
                    x = b.attentions[i](x, encoder_hidden_states)
                skips.append(x)
            if hasattr(b, "downsamplers"):
                x = b.downsamplers[0](x)
                skips.append(x)
        m = self.mid_block
        x = m.resnets[0](x, emb)
        x = m.attentions[0](x, encoder_hidden_states)
        x = m.resnets[1](x, emb)
        for b in self.up_blocks:
            for i, r in enumerate(b.resnets):
                x = r(torch.cat([x, skips.pop()], dim=1), emb)
                if hasattr(b, "attentions"):
                    x = b.attentions[i](x, encoder_hidden_states)
            if hasattr(b, "upsamplers"):
                x = b.upsamplers[0](x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class VaeDecoder(nn.Module):
    """diffusers AutoencoderKL.decode (autoencoder_kl.py) = post_quant_conv then Decoder (vae.py):
    conv_in, UNetMidBlock2D (resnet, single-head spatial attention with GroupNorm, resnet; no time
    embedding, eps 1e-6), UpDecoderBlock2D x len(block_out_channels) (layers_per_block + 1 resnets,
    nearest x2 upsample + conv except the last), GroupNorm, SiLU, conv_out. Optimum's vae_decoder
    export wraps exactly this (the pipeline divides by scaling_factor before)."""

    def __init__(self, c):
        super().__init__()
        ch, g = c.block_out_channels, c.norm_num_groups
        self.post_quant_conv = nn.Conv2d(c.latent_channels, c.latent_channels, 1)
        d = self.decoder = Holder()
        d.conv_in = nn.Conv2d(c.latent_channels, ch[-1], 3, padding=1)
        d.mid_block = Holder()
        d.mid_block.resnets = nn.ModuleList(ResnetBlock2D(ch[-1], ch[-1], None, g, 1e-6) for _ in range(2))
        d.mid_block.attentions = nn.ModuleList([Attention(ch[-1], 1, bias=True, group_norm=g)])
        d.up_blocks = nn.ModuleList()
        rev = list(reversed(ch))
        out = rev[0]
        for i in range(len(ch)):
            prev, out = out, rev[i]
            b = Holder()
            b.resnets = nn.ModuleList(ResnetBlock2D(prev if j == 0 else out, out, None, g, 1e-6)
                                      for j in range(c.layers_per_block + 1))
            if i != len(ch) - 1:
                b.upsamplers = nn.ModuleList([Upsample2D(out)])
            d.up_blocks.append(b)
        d.conv_norm_out = nn.GroupNorm(g, ch[0], eps=1e-6)
        d.conv_out = nn.Conv2d(ch[0], c.out_channels, 3, padding=1)

    def forward(self, latent_sample):
        d = self.decoder
        x = d.conv_in(self.post_quant_conv(latent_sample))
        m = d.mid_block
        x = m.resnets[0](x)
        a = m.attentions[0]
        B, C, H, W = x.shape
        h = a.group_norm(x).reshape(B, C, H * W).transpose(1, 2)
        x = a(h).transpose(1, 2).reshape(B, C, H, W) + x
        x = m.resnets[1](x)
        for b in d.up_blocks:
            for r in b.resnets:
                x = r(x)
            if hasattr(b, "upsamplers"):
                x = b.upsamplers[0](x)
        return d.conv_out(F.silu(d.conv_norm_out(x)))


def init_weights(m, seed, gains=None):
    """Seeded NumPy weights, in parameter order: matrices and kernels N(0, 1/fan_in) (times a gain
    for some names), norm weights 1 + N(0, 0.1), biases N(0, 0.02), embeddings N(0, 1)."""
    rng = np.random.default_rng(seed)
    gains = gains or {}
    with torch.no_grad():
        for name, p in m.named_parameters():
            shape = tuple(p.shape)
            if "norm" in name.split(".")[-2]:
                v = 1 + 0.1 * rng.standard_normal(shape) if name.endswith("weight") else 0.05 * rng.standard_normal(shape)
            elif name.endswith("bias"):
                v = 0.02 * rng.standard_normal(shape)
            elif "embedding" in name and len(shape) == 2 and "time_embedding" not in name:
                v = rng.standard_normal(shape)
            else:
                fan_in = int(np.prod(shape[1:]))
                v = rng.standard_normal(shape) / math.sqrt(fan_in)
            g = next((gv for k, gv in gains.items() if k in name), 1.0)
            p.copy_(torch.from_numpy((v * g).astype(np.float32)))


# ---------------------------------------------------------------------------------------------
def text_config(vocab_size, eos_id, bos_id, a):
    return Cfg(vocab_size=vocab_size, hidden_size=a.text_hidden, intermediate_size=a.text_hidden * 2,
               num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=MAX_LEN,
               layer_norm_eps=1e-5, eos_token_id=eos_id, bos_token_id=bos_id, pad_token_id=eos_id)


def unet_config(a):
    ch = [int(x) for x in a.block_channels.split(",")]
    n = len(ch)
    return Cfg(block_out_channels=ch, in_channels=4, out_channels=4, layers_per_block=a.layers_per_block,
               down_block_types=["CrossAttnDownBlock2D"] * (n - 1) + ["DownBlock2D"],
               up_block_types=["UpBlock2D"] + ["CrossAttnUpBlock2D"] * (n - 1),
               cross_attention_dim=a.cross_attention_dim, heads=a.attention_heads,
               norm_num_groups=a.norm_groups, norm_eps=1e-5, sample_size=a.sample_size)


def vae_config(a):
    return Cfg(block_out_channels=[16, 32, 32, 32], latent_channels=4, out_channels=3, layers_per_block=1,
               norm_num_groups=8, sample_size=a.sample_size * 8)


def build_models(a, vocab_size, eos_id, bos_id):
    tc, uc, vc = text_config(vocab_size, eos_id, bos_id, a), unet_config(a), vae_config(a)
    te = CLIPTextModel(tc).eval()
    init_weights(te, a.seed)
    un = UNet2DConditionModel(uc).eval()
    init_weights(un, a.seed + 1, {"conv_out": 1.5})
    vae = VaeDecoder(vc).eval()
    init_weights(vae, a.seed + 2, {"decoder.conv_out": a.vae_out_gain})
    return (te, tc), (un, uc), (vae, vc)


class UNetWrapper(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, sample, timestep, encoder_hidden_states):
        return self.m(sample, timestep, encoder_hidden_states)


def export(module, args, path, input_names, output_names, dynamic_axes, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:  # torch writes a > 2 GB model as one file per tensor
        with torch.no_grad():
            torch.onnx.export(module, args, os.path.join(tmp, "model.onnx"), input_names=input_names,
                              output_names=output_names, dynamic_axes=dynamic_axes, opset_version=OPSET,
                              do_constant_folding=True)
        model = onnx.load(os.path.join(tmp, "model.onnx"))
    g = model.graph
    rename = {t.name: t.name[2:] for t in g.initializer if t.name.startswith("m.")}
    for t in g.initializer:
        t.name = rename.get(t.name, t.name)
    for n in g.node:
        n.input[:] = [rename.get(i, i) for i in n.input]
    model.producer_name, model.producer_version = "webdemo make_model.py", "1"
    model.doc_string = doc
    save(model, path)
    return model


def save(model, path):
    if sum(t.ByteSize() for t in model.graph.initializer) < 1_800_000_000:
        onnx.checker.check_model(model)
        onnx.save(model, path)
    else:  # an SD 1.5-sized UNet: the weights in one file beside the graph, as Optimum writes large models
        onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                  location="model.onnx_data", size_threshold=1024)
        onnx.checker.check_model(path)


def to_fp16(model):
    """The whole graph in float16 (inputs, outputs, weights, constants, casts), as an fp16 export
    computes: for benchmarks only (torch 1.13 cannot trace fp16 convolutions on the CPU)."""
    from onnx import TensorProto, numpy_helper
    FL, HF = TensorProto.FLOAT, TensorProto.FLOAT16

    def conv(t):
        if t.data_type == FL:
            h = numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), t.name)
            t.CopyFrom(h)
    g = model.graph
    keep = {i for n in g.node if n.op_type == "Resize" for i in n.input[1:3]}  # roi, scales stay float32
    for t in g.initializer:
        if t.name not in keep:
            conv(t)
    for v in list(g.input) + list(g.output):
        if v.type.tensor_type.elem_type == FL:
            v.type.tensor_type.elem_type = HF
    for n in g.node:
        for at in n.attribute:
            if at.type == onnx.AttributeProto.TENSOR and not set(n.output) & keep:
                conv(at.t)
            if n.op_type == "Cast" and at.name == "to" and at.i == FL:
                at.i = HF
    del g.value_info[:]
    return model


def export_text_encoder(te, out):
    ids = torch.tensor([[3, 5, 7, te.c.eos_token_id, te.c.eos_token_id], [3, 9, 11, 13, te.c.eos_token_id]])
    export(te, (ids,), os.path.join(out, "text_encoder", "model.onnx"), ["input_ids"],
           ["last_hidden_state", "pooler_output"],
           {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "last_hidden_state": {0: "batch_size", 1: "sequence_length"}, "pooler_output": {0: "batch_size"}},
           "Random-weight CLIPTextModel (webdemo test fixture)")


def export_unet(un, out, legacy_timestep=False):
    c = un.c
    n_up = len(c.block_out_channels) - 1  # the latent must divide by 2 ** n_up (64 px per 8 latents in SD 1.5)
    s = torch.zeros(2, 4, 8, 6) if n_up <= 1 else torch.zeros(2, 4, 2 ** n_up, 2 ** n_up * 2)
    t = torch.tensor([981, 981], dtype=torch.int64) if legacy_timestep else torch.tensor(981.0)
    ehs = torch.zeros(2, 7, c.cross_attention_dim)
    axes = {"sample": {0: "batch_size", 2: "height", 3: "width"},
            "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
            "out_sample": {0: "batch_size", 2: "height", 3: "width"}}
    if legacy_timestep:
        axes["timestep"] = {0: "steps"}
    return export(UNetWrapper(un), (s, t, ehs), os.path.join(out, "unet", "model.onnx"),
                  ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], axes,
                  "Random-weight UNet2DConditionModel (webdemo test fixture)")


def export_vae(vae, out):
    z = torch.zeros(1, 4, 8, 6)
    export(vae, (z,), os.path.join(out, "vae_decoder", "model.onnx"), ["latent_sample"], ["sample"],
           {"latent_sample": {0: "batch_size", 2: "latent_height", 3: "latent_width"},
            "sample": {0: "batch_size", 2: "latent_height * 8", 3: "latent_width * 8"}},
           "Random-weight AutoencoderKL decoder (webdemo test fixture)")


DIFFUSERS_VERSION = "0.30.0"


def write_configs(out, tc, uc, vc):
    from reference import FIXTURE_SCHEDULER  # the one place these numbers are written
    sched = dict(FIXTURE_SCHEDULER, _diffusers_version=DIFFUSERS_VERSION)
    os.makedirs(os.path.join(out, "scheduler"), exist_ok=True)
    write_json(os.path.join(out, "scheduler", "scheduler_config.json"), {k: sched[k] for k in sorted(sched)})
    write_json(os.path.join(out, "model_index.json"), {
        "_class_name": "StableDiffusionPipeline",
        "_diffusers_version": DIFFUSERS_VERSION,
        "feature_extractor": [None, None],
        "image_encoder": [None, None],
        "requires_safety_checker": False,
        "safety_checker": [None, None],
        "scheduler": ["diffusers", "PNDMScheduler"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    })
    write_json(os.path.join(out, "text_encoder", "config.json"), {
        "_name_or_path": "webdemo/sd-tiny-random",
        "architectures": ["CLIPTextModel"],
        "attention_dropout": 0.0,
        "bos_token_id": tc.bos_token_id,
        "dropout": 0.0,
        "eos_token_id": tc.eos_token_id,
        "hidden_act": "quick_gelu",
        "hidden_size": tc.hidden_size,
        "initializer_factor": 1.0,
        "initializer_range": 0.02,
        "intermediate_size": tc.intermediate_size,
        "layer_norm_eps": tc.layer_norm_eps,
        "max_position_embeddings": tc.max_position_embeddings,
        "model_type": "clip_text_model",
        "num_attention_heads": tc.num_attention_heads,
        "num_hidden_layers": tc.num_hidden_layers,
        "pad_token_id": tc.pad_token_id,
        "projection_dim": tc.hidden_size,
        "torch_dtype": "float32",
        "transformers_version": "4.44.0",
        "vocab_size": tc.vocab_size,
    })
    write_json(os.path.join(out, "unet", "config.json"), unet_config_json(uc))
    write_json(os.path.join(out, "vae_decoder", "config.json"), {
        "_class_name": "AutoencoderKL",
        "_diffusers_version": DIFFUSERS_VERSION,
        "act_fn": "silu",
        "block_out_channels": vc.block_out_channels,
        "down_block_types": ["DownEncoderBlock2D"] * len(vc.block_out_channels),
        "force_upcast": True,
        "in_channels": 3,
        "latent_channels": vc.latent_channels,
        "layers_per_block": vc.layers_per_block,
        "norm_num_groups": vc.norm_num_groups,
        "out_channels": vc.out_channels,
        "sample_size": vc.sample_size,
        "scaling_factor": SCALING_FACTOR,
        "up_block_types": ["UpDecoderBlock2D"] * len(vc.block_out_channels),
    })


def unet_config_json(uc):
    return {
        "_class_name": "UNet2DConditionModel",
        "_diffusers_version": DIFFUSERS_VERSION,
        "act_fn": "silu",
        "attention_head_dim": uc.heads,
        "block_out_channels": uc.block_out_channels,
        "center_input_sample": False,
        "cross_attention_dim": uc.cross_attention_dim,
        "down_block_types": uc.down_block_types,
        "downsample_padding": 1,
        "flip_sin_to_cos": True,
        "freq_shift": 0,
        "in_channels": uc.in_channels,
        "layers_per_block": uc.layers_per_block,
        "mid_block_scale_factor": 1,
        "norm_eps": uc.norm_eps,
        "norm_num_groups": uc.norm_num_groups,
        "out_channels": uc.out_channels,
        "sample_size": uc.sample_size,
        "time_cond_proj_dim": None,
        "up_block_types": uc.up_block_types,
    }


TOKENIZER_TEST_EXTRA = [
    "a photo of an astronaut riding a horse on mars", "A RED Fox   in the\tSnow!!", "don't stop, it's 12:30 p.m.",
    "blurry, low quality, (worst quality:1.4), [ugly]", "a_b-c d.e f/g h+i", "1234567890 and 3.14159",
    "a painting of a cat " * 30, "  leading and trailing spaces  ", "",
]


def tokenizer_test_strings(lines, seed):
    rng = random.Random(seed + 7)
    return [lines[rng.randrange(len(lines))] for _ in range(200)] + TOKENIZER_TEST_EXTRA


def onnx_test_vectors(te, un, vae, vocab, ranks):
    """Inputs and torch outputs for check_onnx.mjs."""
    prompts = ["a photo of a red fox in the snow, highly detailed", ""]
    ids = torch.tensor([pipeline_ids(p, ranks, vocab) for p in prompts])
    rng = np.random.default_rng(99)
    with torch.no_grad():
        hs, pooled = te(ids)
        sample = torch.from_numpy(rng.standard_normal((2, 4, 12, 8)).astype(np.float32))
        t = torch.tensor(501.0)
        eps = un(sample, t, hs)
        z = torch.from_numpy((rng.standard_normal((1, 4, 12, 8)) * 6).astype(np.float32))
        img = vae(z)
    fl = lambda x: x.flatten().tolist()  # noqa: E731
    return {"text_encoder": {"input_ids": ids.tolist(), "last_hidden_state": fl(hs), "pooler_output": fl(pooled)},
            "unet": {"sample": fl(sample), "sample_shape": list(sample.shape), "timestep": 501.0,
                     "encoder_hidden_states": fl(hs), "ehs_shape": list(hs.shape), "out_sample": fl(eps)},
            "vae_decoder": {"latent_sample": fl(z), "latent_shape": list(z.shape), "sample": fl(img),
                            "sample_shape": list(img.shape)}}


def run_node_check(out, vectors, tok_cases, tjs_dir):
    with open(os.path.join(out, "_check.json"), "w", encoding="utf-8") as f:
        json.dump({"vectors": vectors, "tokenizer": tok_cases}, f, ensure_ascii=False)
    try:
        r = subprocess.run(["node", os.path.join(HERE, "check_onnx.mjs"), out], cwd=tjs_dir)
    finally:
        os.remove(os.path.join(out, "_check.json"))
    if r.returncode != 0:
        sys.exit("check_onnx.mjs failed: nothing written")


def build_tokenizer(a, out=None):
    lines = build_corpus(a.seed)
    merges = train_bpe(lines, a.vocab - 512 - 2)
    vocab = write_tokenizer(out, merges) if out else make_vocab(merges)
    return lines, merges, vocab


def load_fixture(a=None):
    """The tokenizer and the three torch models of the committed fixture (for reference.py)."""
    a = a or default_args()
    lines, merges, vocab = build_tokenizer(a)
    ranks = {p: i for i, p in enumerate(merges)}
    models = build_models(a, len(vocab), vocab[EOS], vocab[BOS])
    return vocab, ranks, models


def build(a, out, node_check=True):
    lines, merges, vocab = build_tokenizer(a, out)
    ranks = {p: i for i, p in enumerate(merges)}
    print(f"tokenizer: {len(merges)} merges, {len(vocab)} tokens")
    (te, tc), (un, uc), (vae, vc) = build_models(a, len(vocab), vocab[EOS], vocab[BOS])
    for d in ("text_encoder", "unet", "vae_decoder"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    write_configs(out, tc, uc, vc)
    export_text_encoder(te, out)
    export_unet(un, out)
    export_vae(vae, out)
    if node_check:
        cases = [{"text": t, "ids": encode(t, ranks, vocab)} for t in tokenizer_test_strings(lines, a.seed)]
        run_node_check(out, onnx_test_vectors(te, un, vae, vocab, ranks), cases, a.tjs_dir)
    return vocab


def build_unet_only(a):
    """A UNet alone (e.g. SD 1.5-shaped) into --out, fp32 and with --fp16 also fp16 (for benchmarks)."""
    uc = unet_config(a)
    un = UNet2DConditionModel(uc).eval()
    init_weights(un, a.seed + 1, {"conv_out": 1.5})
    n = sum(p.numel() for p in un.parameters())
    print(f"UNet: {n / 1e6:.1f} M parameters")
    os.makedirs(os.path.join(a.out, "unet"), exist_ok=True)
    write_json(os.path.join(a.out, "unet", "config.json"), unet_config_json(uc))
    model = export_unet(un, a.out, a.legacy_timestep)
    del un
    if a.fp16:
        # onnx.save with external data has emptied the in-memory tensors: read the file back
        model = onnx.load(os.path.join(a.out, "unet", "model.onnx"))
        out16 = a.out.rstrip("/") + "-fp16"
        os.makedirs(os.path.join(out16, "unet"), exist_ok=True)
        write_json(os.path.join(out16, "unet", "config.json"), unet_config_json(uc))
        save(to_fp16(model), os.path.join(out16, "unet", "model.onnx"))
        print("wrote", out16)
    print("wrote", a.out)


def parser():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--vocab", type=int, default=1024, help="tokens in all: 512 byte tokens + merges + 2 special")
    ap.add_argument("--text-hidden", type=int, default=32)
    ap.add_argument("--block-channels", default="32,64")
    ap.add_argument("--layers-per-block", type=int, default=1)
    ap.add_argument("--cross-attention-dim", type=int, default=32)
    ap.add_argument("--attention-heads", type=int, default=4, help="UNet heads (config attention_head_dim)")
    ap.add_argument("--norm-groups", type=int, default=8)
    ap.add_argument("--sample-size", type=int, default=8)
    ap.add_argument("--vae-out-gain", type=float, default=1.0)
    ap.add_argument("--unet-only", action="store_true", help="only unet/ into --out (benchmarks; not the fixture)")
    ap.add_argument("--fp16", action="store_true", help="with --unet-only: also an fp16 export into OUT-fp16")
    ap.add_argument("--legacy-timestep", action="store_true",
                    help="with --unet-only: timestep int64 [steps] as optimum < 1.24 exported it")
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--tjs-dir", default=os.environ.get("TJS_DIR", "/tmp/tjs"),
                    help="folder whose node_modules has @huggingface/transformers (and onnxruntime-node)")
    ap.add_argument("--skip-node", action="store_true", help="skip check_onnx.mjs (not for commits)")
    ap.add_argument("--check", action="store_true", help="rebuild into a temp dir and require byte-identical files in --out")
    return ap


def default_args():
    return parser().parse_args([])


def main():
    a = parser().parse_args()
    if a.unet_only:
        if os.path.abspath(a.out) == HERE:
            sys.exit("--unet-only needs --out outside the repository")
        build_unet_only(a)
        return
    with tempfile.TemporaryDirectory() as tmp:
        build(a, tmp, node_check=not a.skip_node)
        if a.check:
            bad = [f for f in FILES if not filecmp.cmp(os.path.join(tmp, f), os.path.join(a.out, f), shallow=False)]
            print("reproducible: " + ("all files identical" if not bad else "DIFFERENT: " + ", ".join(bad)))
            sys.exit(1 if bad else 0)
        for f in FILES:
            os.makedirs(os.path.dirname(os.path.join(a.out, f)), exist_ok=True)
            shutil.copyfile(os.path.join(tmp, f), os.path.join(a.out, f))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
