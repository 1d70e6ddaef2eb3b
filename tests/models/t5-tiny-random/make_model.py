#!/usr/bin/python3
"""Build a random-weight T5 (text2text-generation: summarization, translation) in the exact
layout transformers.js loads for a Hub repo such as Xenova/t5-small, with a SentencePiece
tokenizer this script trains itself on text it writes itself.

Nothing is downloaded or copied. The corpus comes from the word lists below, the unigram model
from sentencepiece's own trainer, the weights from a seeded NumPy generator. The architecture is
transformers' T5ForConditionalGeneration written out in plain torch (relative position bias in
the first layer of each stack, RMS layer norm without bias, ReLU feed-forward, tied embeddings
scaled by d_model**-0.5 before the LM head) and exported the way Optimum exports T5:

    onnx/encoder_model.onnx          input_ids, attention_mask -> last_hidden_state
    onnx/decoder_model_merged.onnx   encoder_attention_mask, input_ids, encoder_hidden_states,
                                     past_key_values.{i}.{decoder,encoder}.{key,value},
                                     use_cache_branch -> logits, present.{i}.{decoder,encoder}.{key,value}

    onnx/decoder_model.onnx          encoder_attention_mask, input_ids, encoder_hidden_states
                                     -> logits, present.{i}.{decoder,encoder}.{key,value}
    onnx/decoder_with_past_model.onnx  encoder_attention_mask, input_ids [batch_size, 1],
                                     past_key_values.{i}.{decoder,encoder}.{key,value}
                                     -> logits, present.{i}.decoder.{key,value}

The merged decoder is one If node over the decoder without past (use_cache_branch false) and the
decoder with past (true), with the weights shared at the top level, as Optimum's merge_decoders
builds it. In the with-past branch the present.{i}.encoder.* outputs are empty constants of
shape [0, heads, 1, d_kv]: callers keep the cross-attention keys/values of the first step.
decoder_model.onnx and decoder_with_past_model.onnx are the two exported graphs the merge is
built from (Optimum's non-merged layout), the same nodes and weights; only the with-past file
declares input_ids [batch_size, 1] and logits [batch_size, "1", vocab] as Optimum's does. As in
Optimum's T5 export, the with-past graph has no encoder_hidden_states input and no
present.{i}.encoder.* outputs.

    /usr/bin/python3 make_model.py                 # the committed fixture, in place
    /usr/bin/python3 make_model.py --check         # rebuild in a temp dir, compare bytes
    /usr/bin/python3 make_model.py --check --reference reference.json   # and torch vs transformers.js

Every build runs check_onnx.mjs (node, with onnxruntime-node and transformers.js resolved from
--tjs-dir, default $TJS_DIR or /tmp/tjs) on the files in a temp dir before they are copied into
place: ONNX vs torch (encoder, decoder without and with cache, step by step), the split decoders
vs the merged one (greedy, step by step) and spiece.model vs tokenizer.json token ids on a few
hundred strings. --skip-node skips that (not for commits).

Needs Debian's python3-torch, python3-onnx, python3-numpy and python3-sentencepiece (apt).
"""
import argparse
import base64
import filecmp
import io
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

import onnx
from onnx import TensorProto, helper, numpy_helper
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as sp_pb2

HERE = os.path.dirname(os.path.abspath(__file__))
N_EXTRA_IDS = 100  # T5's sentinel tokens <extra_id_0> .. <extra_id_99>
OPSET = 14
FILES = ["config.json", "generation_config.json", "spiece.model", "tokenizer.json",
         "tokenizer_config.json", "special_tokens_map.json",
         "onnx/encoder_model.onnx", "onnx/decoder_model_merged.onnx",
         "onnx/decoder_model.onnx", "onnx/decoder_with_past_model.onnx"]

# ---------------------------------------------------------------------------------------------
# Corpus: sentences generated from these lists (seeded), plus German, French and Romanian lines so
# that the translation prefixes and accented words tokenize into pieces rather than characters.
SUBJECTS = ["the farmer", "a teacher", "the old man", "my sister", "the children", "our neighbour",
            "the mayor", "a young woman", "the doctor", "the team", "the company", "the government",
            "the scientists", "the students", "the city council", "the quick brown fox", "a small dog",
            "the police", "the minister", "the museum", "the report", "Anna", "Peter", "Maria", "John"]
VERBS = ["visited", "built", "found", "opened", "closed", "sold", "bought", "painted", "wrote", "read",
         "announced", "reported", "decided to keep", "planned", "started", "finished", "watched",
         "helped", "moved", "jumps over", "described", "changed", "carried", "followed", "cleaned"]
OBJECTS = ["a small house", "the new bridge", "an old book", "the red car", "a long letter", "the school",
           "the market", "a garden", "the museum", "the report", "a plan", "the river", "the station",
           "the lazy dog", "a green field", "the weather", "the budget", "a new law", "the old church",
           "the hospital", "a cup of coffee", "the first train", "the last page", "a warm coat"]
ADVERBIALS = ["on Monday", "last year", "in the morning", "after the storm", "before the meeting",
              "in the city", "near the river", "for two hours", "with great care", "without a word",
              "in Paris", "in Berlin", "in London", "in Bucharest", "at night", "every summer",
              "on the weekend", "in 2023", "since 1998", "during the war", "by the sea"]
CONNECTORS = ["because", "although", "and", "but", "while", "so", "when", "after", "before"]
EXTRA_SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Prices rose by 3.5 percent in March, the highest rate in ten years.",
    "Scientists say the new vaccine is safe and works well in older people.",
    "The weather will be sunny tomorrow, with a high of 25 degrees.",
    "Thank you very much for your help!",
    "Where is the train station? It is on the left, next to the bank.",
    "She said: \"We will open the new school in September.\"",
    "The meeting (which lasted three hours) ended without an agreement.",
    "Is it true that the museum is closed on Mondays?",
    "He paid $20 for the book; it costs 15 euros in Germany.",
]
GERMAN = [
    "Das Haus ist groß.", "Der Hund läuft schnell über die Straße.", "Ich möchte ein Glas Wasser, bitte.",
    "Guten Morgen!", "Danke schön.", "Das Mädchen liest ein Buch.", "Wir fahren morgen nach Berlin.",
    "Viele Grüße aus München.", "Die Schule ist heute geschlossen.", "Es ist sehr schön hier.",
    "Der Bürgermeister hat die neue Brücke eröffnet.", "Für mich einen Kaffee, bitte.",
    "Wie spät ist es?", "Ich heiße Anna und wohne in Köln.", "Tschüss und bis bald!",
]
FRENCH = [
    "La maison est très belle.", "Je voudrais un café, s'il vous plaît.", "Bonjour, comment ça va ?",
    "Merci beaucoup.", "L'école est fermée aujourd'hui.", "Le garçon mange une pomme.",
    "Où est la gare ?", "Nous allons à Paris en été.", "C'est un très bon livre.",
    "Le maire a ouvert le nouveau pont.", "Il fait beau et chaud.", "À bientôt, mon ami !",
    "Joyeux Noël et bonne année.", "Elle a le cœur sur la main.", "Le français est une belle langue.",
]
ROMANIAN = [
    "Bună ziua!", "Mulțumesc frumos.", "Casa este foarte frumoasă.", "Școala este închisă astăzi.",
    "Unde este gara?", "Mâine mergem la București.", "Țara are munți înalți.", "Învățătoarea citește o carte.",
    "Aș dori o cafea, vă rog.", "Primarul a deschis podul cel nou.",
]
PREFIXES = ["summarize: ", "translate English to German: ", "translate English to French: ",
            "translate English to Romanian: "]


def english_sentence(rng):
    s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(ADVERBIALS)}"
    if rng.random() < 0.35:
        s += f" {rng.choice(CONNECTORS)} {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    if rng.random() < 0.15:
        s += f", {rng.randint(2, 999)} people said"
    s = s[0].upper() + s[1:]
    return s + rng.choice([".", ".", ".", "!", "?"])


def build_corpus(seed):
    rng = random.Random(seed)
    lines = []
    for i in range(2400):
        r = rng.random()
        if r < 0.45:
            lines.append(rng.choice(PREFIXES) + " ".join(english_sentence(rng) for _ in range(rng.randint(1, 3))))
        elif r < 0.7:
            lines.append(english_sentence(rng))
        elif r < 0.8:
            lines.append(rng.choice(EXTRA_SENTENCES))
        elif r < 0.88:
            lines.append(rng.choice(GERMAN))
        elif r < 0.95:
            lines.append(rng.choice(FRENCH))
        else:
            lines.append(rng.choice(ROMANIAN))
    return lines


# ---------------------------------------------------------------------------------------------
# Tokenizer: a SentencePiece unigram model with T5's conventions, and the tokenizer.json /
# tokenizer_config.json / special_tokens_map.json that transformers writes
# for T5Tokenizer(Fast): 100 sentinels appended after the SentencePiece pieces, in reverse order
# (<extra_id_99> first, <extra_id_0> last), as in t5-small.
def train_spiece(lines, vocab_size, seed):
    spm.set_random_generator_seed(seed)
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=buf,
        model_type="unigram", vocab_size=vocab_size, character_coverage=1.0,
        normalization_rule_name="nmt_nfkc", remove_extra_whitespaces=True, add_dummy_prefix=True,
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>",
        max_sentencepiece_length=16, split_by_unicode_script=True, split_by_whitespace=True,
        split_by_number=True, num_threads=1, shuffle_input_sentence=False, input_sentence_size=0,
        seed_sentencepiece_size=100000, hard_vocab_limit=True, minloglevel=2)
    proto = sp_pb2.ModelProto()
    proto.ParseFromString(buf.getvalue())
    return proto


def extra_id_tokens(n_pieces):
    """[(id, "<extra_id_K>")] in id order: <extra_id_99> gets the first id after the pieces."""
    return [(n_pieces + j, f"<extra_id_{N_EXTRA_IDS - 1 - j}>") for j in range(N_EXTRA_IDS)]


def added_token(tid, content):
    return {"id": tid, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": True}


def write_json(path, obj, indent=2):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, indent=indent, ensure_ascii=False)
        f.write("\n")


def write_tokenizer(out, proto, max_len):
    pieces = [(p.piece, float(p.score)) for p in proto.pieces]
    n = len(pieces)
    assert [p[0] for p in pieces[:3]] == ["<pad>", "</s>", "<unk>"]
    extras = extra_id_tokens(n)
    specials = [(0, "<pad>"), (1, "</s>"), (2, "<unk>")] + extras
    with open(os.path.join(out, "spiece.model"), "wb") as f:
        f.write(proto.SerializeToString())
    charsmap = base64.b64encode(proto.normalizer_spec.precompiled_charsmap).decode("ascii")
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added_token(i, c) for i, c in specials],
        "normalizer": {"type": "Precompiled", "precompiled_charsmap": charsmap},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "WhitespaceSplit"},
            {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True}]},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}},
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True},
        "model": {"type": "Unigram", "unk_id": 2,
                  "vocab": [[p, s] for p, s in pieces] + [[c, 0.0] for _, c in extras],
                  "byte_fallback": False},
    }
    write_json(os.path.join(out, "tokenizer.json"), tok)
    extra_names = [f"<extra_id_{k}>" for k in range(N_EXTRA_IDS)]
    write_json(os.path.join(out, "tokenizer_config.json"), {
        "added_tokens_decoder": {str(i): {k: v for k, v in added_token(i, c).items() if k != "id"}
                                 for i, c in specials},
        "additional_special_tokens": extra_names,
        "clean_up_tokenization_spaces": True,
        "eos_token": "</s>",
        "extra_ids": N_EXTRA_IDS,
        "model_max_length": max_len,
        "pad_token": "<pad>",
        "tokenizer_class": "T5Tokenizer",
        "unk_token": "<unk>",
    })
    write_json(os.path.join(out, "special_tokens_map.json"), {
        "additional_special_tokens": extra_names, "eos_token": "</s>", "pad_token": "<pad>",
        "unk_token": "<unk>"})
    return n + N_EXTRA_IDS


# Strings on which spiece.model and tokenizer.json must give the same ids (checked by
# check_onnx.mjs with transformers.js). Special-token strings ("</s>", "<extra_id_0>") are left
# out: tokenizer.json matches them as added tokens, SentencePiece alone does not know them.
def tokenizer_test_strings(lines, seed):
    rng = random.Random(seed + 7)
    picks = [lines[rng.randrange(len(lines))] for _ in range(200)]
    fixed = [
        "", " ", "   ", "a", "A", "Hello world", "Hello  world", " leading and trailing  ", "tabs\tand\nnew lines",
        "Grüße, 東京 🙂", "Grüße aus Köln", "café déjà vu", "naïve façade", "Straße über Brücke",
        "Mulțumesc, București!", "ȘCOALĂ", "ﬁne ﬂour", "ＡＢＣ１２３", "①②③", "x²", "½ cup", "e\u0301t\u00e9",
        "\u00a0non\u00a0breaking\u00a0", "zero\u200bwidth", "ab\u200ccd ab\u200ecd ab\u200fcd \ufeffbom",
        "emoji 🙂🙂 and 👍🏽", "3.14159 and 1,000,000",
        "summarize: ", "summarize: The quick brown fox jumps over the lazy dog.",
        "translate English to German: The house is wonderful.", "translate English to French: Where is the station?",
        "UPPER lower MiXeD", "don't can't won't", "C'est l'école", "(brackets) [square] {curly}",
        "a-b_c/d\\e|f", "$5 €5 £5 ¥5", "100% sure", "e-mail: someone@example.com", "https://example.com/a?b=1",
        "Ünïcödé ÀÉÎÕÜ", "Ελληνικά", "русский язык", "中文字符", "日本語のテキスト", "한국어", "عربى", "עברית",
        "…", "—", "–", "«quoted»", "„German quotes“", "x" * 40, "ab" * 20, "The" * 10,
    ]
    # Random characters from blocks where NFKC and SentencePiece's nmt_nfkc rules do something
    # (fullwidth forms, ligatures, enclosed and mathematical alphanumerics, compatibility
    # ideographs, combining marks, controls, odd spaces). transformers.js does not read the
    # precompiled charsmap; it approximates it with NFKC plus a few replacements, which agrees
    # everywhere here except U+200D (zero width joiner): transformers.js turns it into a space,
    # nmt_nfkc keeps it (here an unknown character, fused with its unknown neighbours). Left out.
    blocks = [(0x20, 0x7E), (0xA0, 0xFF), (0x100, 0x17F), (0x300, 0x36F), (0x0, 0x1F), (0x7F, 0x9F),
              (0x2000, 0x206F), (0x2100, 0x214F), (0x2460, 0x24FF), (0x2E80, 0x2FDF), (0x3000, 0x303F),
              (0xF900, 0xFAFF), (0xFB00, 0xFB4F), (0xFE00, 0xFE0F), (0xFF00, 0xFFEF), (0x1D400, 0x1D7FF),
              (0x1F300, 0x1F64F)]
    odd = []
    for lo, hi in blocks:
        for _ in range(12):
            chars = [chr(rng.randint(lo, hi)) for _ in range(rng.randint(1, 4))]
            odd.append("ab " + "".join(ch for ch in chars if ch != "\u200d") + " cd")
    return fixed + picks + odd


# ---------------------------------------------------------------------------------------------
# Model: the computation of transformers' T5ForConditionalGeneration (eval mode, no dropout).
class Cfg:
    def __init__(self, **kw):
        self.__dict__.update(kw)

    @property
    def inner(self):
        return self.num_heads * self.d_kv


def rel_bucket(rel, bidirectional, num_buckets, max_distance):
    """transformers' T5Attention._relative_position_bucket."""
    buckets = torch.zeros_like(rel)
    if bidirectional:
        num_buckets //= 2
        buckets = buckets + (rel > 0).to(torch.long) * num_buckets
        rel = torch.abs(rel)
    else:
        rel = -torch.min(rel, torch.zeros_like(rel))
    max_exact = num_buckets // 2
    is_small = rel < max_exact
    large = max_exact + (torch.log(rel.float() / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return buckets + torch.where(is_small, rel, large)


class T5LayerNorm(torch.nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


class T5Attention(torch.nn.Module):
    def __init__(self, c, has_bias):
        super().__init__()
        nn = torch.nn
        self.c = c
        self.q = nn.Linear(c.d_model, c.inner, bias=False)
        self.k = nn.Linear(c.d_model, c.inner, bias=False)
        self.v = nn.Linear(c.d_model, c.inner, bias=False)
        self.o = nn.Linear(c.inner, c.d_model, bias=False)
        if has_bias:
            self.relative_attention_bias = nn.Embedding(c.relative_attention_num_buckets, c.num_heads)

    def heads(self, t):
        b = t.shape[0]
        return t.view(b, -1, self.c.num_heads, self.c.d_kv).transpose(1, 2)

    def bias(self, q_pos, k_pos, bidirectional):
        """[1, heads, len(q_pos), len(k_pos)]; transformers' compute_bias (with past, the rows of
        the last query positions)."""
        rel = k_pos[None, :] - q_pos[:, None]
        b = rel_bucket(rel, bidirectional, self.c.relative_attention_num_buckets,
                       self.c.relative_attention_max_distance)
        return self.relative_attention_bias(b).permute(2, 0, 1).unsqueeze(0)

    def attend(self, x, k, v, bias):
        q = self.heads(self.q(x))
        scores = torch.matmul(q, k.transpose(3, 2)) + bias  # T5: no 1/sqrt(d_kv) scaling
        w = torch.softmax(scores.float(), dim=-1)
        ctx = torch.matmul(w, v).transpose(1, 2).reshape(x.shape[0], -1, self.c.inner)
        return self.o(ctx)


class Sub(torch.nn.Module):
    """One sub-layer; attribute names give transformers' parameter names."""


def make_block(c, decoder, first):
    nn = torch.nn
    blk = nn.Module()
    blk.layer = nn.ModuleList()
    sa = Sub()
    sa.SelfAttention = T5Attention(c, has_bias=first)
    sa.layer_norm = T5LayerNorm(c.d_model, c.layer_norm_epsilon)
    blk.layer.append(sa)
    if decoder:
        ca = Sub()
        ca.EncDecAttention = T5Attention(c, has_bias=False)
        ca.layer_norm = T5LayerNorm(c.d_model, c.layer_norm_epsilon)
        blk.layer.append(ca)
    ff = Sub()
    ff.DenseReluDense = nn.Module()
    ff.DenseReluDense.wi = nn.Linear(c.d_model, c.d_ff, bias=False)
    ff.DenseReluDense.wo = nn.Linear(c.d_ff, c.d_model, bias=False)
    ff.layer_norm = T5LayerNorm(c.d_model, c.layer_norm_epsilon)
    blk.layer.append(ff)
    return blk


def feed_forward(ff, x):
    return x + ff.DenseReluDense.wo(torch.relu(ff.DenseReluDense.wi(ff.layer_norm(x))))


def mask_bias(mask):
    """attention_mask [batch, len] (1 = attend) -> additive [batch, 1, 1, len]."""
    return (1.0 - mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min


class T5ForConditionalGeneration(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        nn = torch.nn
        self.c = c
        self.shared = nn.Embedding(c.vocab_size, c.d_model)
        self.encoder = nn.Module()
        self.encoder.block = nn.ModuleList([make_block(c, False, i == 0) for i in range(c.num_layers)])
        self.encoder.final_layer_norm = T5LayerNorm(c.d_model, c.layer_norm_epsilon)
        self.decoder = nn.Module()
        self.decoder.block = nn.ModuleList([make_block(c, True, i == 0) for i in range(c.num_decoder_layers)])
        self.decoder.final_layer_norm = T5LayerNorm(c.d_model, c.layer_norm_epsilon)

    def encode(self, input_ids, attention_mask):
        x = self.shared(input_ids)
        pos = torch.arange(input_ids.shape[1], dtype=torch.long)
        bias = self.encoder.block[0].layer[0].SelfAttention.bias(pos, pos, True) + mask_bias(attention_mask)
        for blk in self.encoder.block:
            sa = blk.layer[0]
            a = sa.SelfAttention
            h = sa.layer_norm(x)
            x = x + a.attend(h, a.heads(a.k(h)), a.heads(a.v(h)), bias)
            x = feed_forward(blk.layer[1], x)
        return self.encoder.final_layer_norm(x)

    def decode(self, input_ids, encoder_hidden_states, encoder_attention_mask, past=None):
        """past: None or per layer (self_k, self_v, cross_k, cross_v), each [batch, heads, len, d_kv].
        Returns logits [batch, len, vocab] and the same per-layer tuples for the new cache."""
        x = self.shared(input_ids)
        q_len = input_ids.shape[1]
        past_len = past[0][0].shape[2] if past is not None else 0
        q_pos = torch.arange(q_len, dtype=torch.long) + past_len
        k_pos = torch.arange(past_len + q_len, dtype=torch.long) if past is not None else q_pos
        self_bias = self.decoder.block[0].layer[0].SelfAttention.bias(q_pos, k_pos, False)
        causal = k_pos[None, :] > q_pos[:, None]
        self_bias = self_bias + (causal.to(torch.float32) * torch.finfo(torch.float32).min)[None, None]
        cross_bias = mask_bias(encoder_attention_mask)
        presents = []
        for i, blk in enumerate(self.decoder.block):
            sa, ca = blk.layer[0], blk.layer[1]
            a = sa.SelfAttention
            h = sa.layer_norm(x)
            k, v = a.heads(a.k(h)), a.heads(a.v(h))
            if past is not None:
                k = torch.cat([past[i][0], k], dim=2)
                v = torch.cat([past[i][1], v], dim=2)
            x = x + a.attend(h, k, v, self_bias)
            e = ca.EncDecAttention
            if past is not None:
                ck, cv = past[i][2], past[i][3]
            else:
                ck, cv = e.heads(e.k(encoder_hidden_states)), e.heads(e.v(encoder_hidden_states))
            x = x + e.attend(ca.layer_norm(x), ck, cv, cross_bias)
            x = feed_forward(blk.layer[2], x)
            presents.append((k, v, ck, cv))
        x = self.decoder.final_layer_norm(x) * (self.c.d_model ** -0.5)  # tied embeddings
        logits = torch.matmul(x, self.shared.weight.t())  # lm_head.weight is shared.weight
        return logits, presents


def init_weights(model, c, seed, gains):
    """Seeded NumPy draws in parameter order. Scales follow transformers' T5 init
    (_init_weights), multiplied by the gains: attention is made peaky and the sub-layers outweigh
    the residual stream, otherwise tied embeddings make a random T5 repeat its input token."""
    rng = np.random.default_rng(seed)

    def normal(shape, std):
        return torch.from_numpy(rng.normal(0.0, std, size=shape).astype(np.float32))

    with torch.no_grad():
        for name, p in model.named_parameters():
            shape = tuple(p.shape)
            if name == "decoder.final_layer_norm.weight":
                # random signs and a larger scale: decorrelates the output from the input token's
                # own embedding (tied lm_head) and spreads the logits (clear greedy margins)
                p.copy_(normal(shape, gains["final"]))
            elif name.endswith("layer_norm.weight"):
                p.copy_(1.0 + normal(shape, 0.1))
            elif name == "shared.weight":
                w = normal(shape, 1.0)
                w[c.n_tokens:] *= 0.05  # ids past the tokenizer's vocabulary (T5 pads 32100 -> 32128)
                w[1] *= gains["eos"]
                p.copy_(w)
            elif name.endswith("relative_attention_bias.weight"):
                p.copy_(normal(shape, gains["bias"] * c.d_model ** -0.5))
            elif name.endswith(".q.weight"):
                p.copy_(normal(shape, gains["qk"] * (c.d_model * c.d_kv) ** -0.5))
            elif name.endswith(".k.weight"):
                p.copy_(normal(shape, gains["qk"] * c.d_model ** -0.5))
            elif name.endswith(".v.weight"):
                p.copy_(normal(shape, c.d_model ** -0.5))
            elif name.endswith(".o.weight"):
                p.copy_(normal(shape, gains["out"] * c.inner ** -0.5))
            elif name.endswith(".wi.weight"):
                p.copy_(normal(shape, c.d_model ** -0.5))
            elif name.endswith(".wo.weight"):
                p.copy_(normal(shape, gains["out"] * c.d_ff ** -0.5))
            else:
                raise ValueError(name)


# ---------------------------------------------------------------------------------------------
# Greedy decoding in torch (full recompute, no cache): used to pick the gains and to compare
# with transformers.js.
def torch_greedy(m, ids, max_new=20, start=0, eos=1):
    ids_t = torch.tensor([ids])
    mask = torch.ones_like(ids_t)
    with torch.no_grad():
        enc = m.encode(ids_t, mask)
        out, margins = [start], []
        for _ in range(max_new):
            logits, _ = m.decode(torch.tensor([out]), enc, mask)
            top = torch.topk(logits[0, -1], 2)
            margins.append(float(top.values[0] - top.values[1]))
            out.append(int(top.indices[0]))
            if out[-1] == eos:
                break
    return out, margins


def torch_generate(m, ids, max_new_tokens=None, max_length=20, repetition_penalty=1.0, no_repeat_ngram_size=0,
                   min_new_tokens=0, min_length=0, start=0, eos=1, **ignored):
    """Greedy decoding with the logits processors the way transformers.js 4.3.1 applies them (in
    this order), on the sequence that includes the decoder start token. num_beams, length_penalty
    and early_stopping are ignored, as transformers.js ignores them."""
    ids_t = torch.tensor([ids])
    mask = torch.ones_like(ids_t)
    limit = 1 + max_new_tokens if max_new_tokens is not None else max_length
    with torch.no_grad():
        enc = m.encode(ids_t, mask)
        seq = [start]
        while len(seq) < limit:
            logits, _ = m.decode(torch.tensor([seq]), enc, mask)
            x = logits[0, -1].clone()
            if repetition_penalty != 1.0:
                for t in set(seq):
                    x[t] = x[t] * repetition_penalty if x[t] < 0 else x[t] / repetition_penalty
            n = no_repeat_ngram_size
            if n and len(seq) + 1 >= n:
                prefix = tuple(seq[len(seq) + 1 - n:])
                for j in range(len(seq) + 1 - n):
                    if tuple(seq[j:j + n - 1]) == prefix:
                        x[seq[j + n - 1]] = -math.inf
            if len(seq) < min_length or len(seq) - 1 < min_new_tokens:
                x[eos] = -math.inf
            seq.append(int(torch.argmax(x)))
            if seq[-1] == eos:
                break
    return seq


def self_test(m, sp, n_tokens):
    texts = ["summarize: The quick brown fox jumps over the lazy dog.",
             "translate English to German: The house is wonderful.",
             "translate English to French: Where is the train station?",
             "The mayor opened the new bridge in Berlin last year.",
             "Grüße, 東京 🙂", "",
             "summarize: Prices rose by 3.5 percent in March, the highest rate in ten years.",
             "translate English to Romanian: Thank you very much for your help!",
             "summarize: " + "The farmer sold a small house in Paris. " * 20,
             "Hello world", "Scientists say the new vaccine is safe.", "translate English to German: Good morning!"]
    outs = []
    for t in texts:
        ids = sp.encode(t) + [1]
        out, margins = torch_greedy(m, ids)
        outs.append((out, margins))
        print(f"  greedy {t[:30]!r:34} -> {out[1:]} (distinct {len(set(out[1:]))}, min margin {min(margins):.3f})")
    return outs


# ---------------------------------------------------------------------------------------------
# ONNX export, Optimum's names.
class EncoderWrapper(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m.encode(input_ids, attention_mask)


class DecoderWrapper(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, encoder_attention_mask, input_ids, encoder_hidden_states):
        logits, presents = self.m.decode(input_ids, encoder_hidden_states, encoder_attention_mask)
        return (logits,) + tuple(t for p in presents for t in p)


class DecoderWithPastWrapper(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, encoder_attention_mask, input_ids, *past_flat):
        past = [tuple(past_flat[4 * i: 4 * i + 4]) for i in range(len(past_flat) // 4)]
        logits, presents = self.m.decode(input_ids, None, encoder_attention_mask, past)
        return (logits,) + tuple(t for p in presents for t in p[:2])


def pkv_names(prefix, n_layers, with_encoder=True):
    names = []
    for i in range(n_layers):
        for part in ("decoder", "encoder") if with_encoder else ("decoder",):
            for kv in ("key", "value"):
                names.append(f"{prefix}.{i}.{part}.{kv}")
    return names


def export(module, args, path, input_names, output_names, dynamic_axes, embedding="shared.weight"):
    """torch.onnx.export, then transformers' parameter names and the tied LM head's matrix stored once
    (also used by ../llama-tiny-random/make_model.py, with its embedding's name)."""
    with torch.no_grad():
        torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)
    model = onnx.load(path)
    g = model.graph
    # Parameter names as transformers has them (the wrappers hold the model as "m").
    rename = {t.name: t.name[2:] for t in g.initializer if t.name.startswith("m.")}
    for t in g.initializer:
        t.name = rename.get(t.name, t.name)
    for n in g.node:
        n.input[:] = [rename.get(i, i) for i in n.input]
    # The exporter folds lm_head's shared.weight^T into a second copy of the embedding matrix;
    # compute it with a Transpose node instead, so the file holds the matrix once.
    shared = next(t for t in g.initializer if t.name == embedding)
    shared_t = numpy_helper.to_array(shared).T
    for t in list(g.initializer):
        if tuple(t.dims) == shared_t.shape and np.array_equal(numpy_helper.to_array(t), shared_t):
            g.initializer.remove(t)
            g.node.insert(0, helper.make_node("Transpose", [embedding], [t.name], name="lm_head/Transpose",
                                              perm=[1, 0]))
    return model


def value_info(name, elem, dims):
    return helper.make_tensor_value_info(name, elem, dims)


def merge_decoders(no_past, with_past, c, present_shapes, past_shapes, input_infos):
    """Optimum's merge_decoders, written out: one If on use_cache_branch, the decoder without past
    as else-branch, the decoder with past as then-branch. Large initializers move to the top
    graph, deduplicated by content; scalars and 1-D int tensors stay in their branch (Optimum
    does the same: ONNX Runtime mis-optimizes some graphs otherwise)."""
    n_layers = c.num_decoder_layers
    out_names = ["logits"] + pkv_names("present", n_layers)
    # with-past has no present.*.encoder.* outputs: add empty constants of shape [0, heads, 1, d_kv]
    wp_outputs = {o.name for o in with_past.graph.output}
    for name in out_names:
        if name not in wp_outputs:
            empty = helper.make_tensor("const_tensor", TensorProto.FLOAT, [0, c.num_heads, 1, c.d_kv], vals=[])
            with_past.graph.node.append(helper.make_node("Constant", [], [name], name=f"Constant_{name}", value=empty))

    def stays_local(t):
        return len(t.dims) == 0 or (len(t.dims) == 1 and t.data_type in (TensorProto.INT32, TensorProto.INT64))

    used_names = set()
    for g in (no_past.graph, with_past.graph):
        for n in g.node:
            used_names.update(n.input)
            used_names.update(n.output)
        used_names.update(t.name for t in g.initializer)
    shared, by_content, locals_ = [], {}, {0: [], 1: []}
    renames = {0: {}, 1: {}}
    for b, g in enumerate((no_past.graph, with_past.graph)):
        for t in g.initializer:
            if stays_local(t):
                locals_[b].append(t)
                continue
            key = (t.data_type, tuple(t.dims), numpy_helper.to_array(t).tobytes())
            if key not in by_content:
                name = t.name
                if any(s.name == name for s in shared):
                    name = f"{t.name}_merged"
                nt = TensorProto()
                nt.CopyFrom(t)
                nt.name = name
                shared.append(nt)
                by_content[key] = name
            renames[b][t.name] = by_content[key]

    # lm_head's Transpose(shared.weight) is computed once, before the If, for both branches.
    top_nodes = [helper.make_node("Transpose", ["shared.weight"], ["lm_head.weight_transposed"],
                                  name="lm_head/Transpose", perm=[1, 0])]

    def branch(g, b, name):
        nodes = []
        for n in g.node:
            if n.name == "lm_head/Transpose":
                renames[b][n.output[0]] = "lm_head.weight_transposed"
        for n in g.node:
            if n.name == "lm_head/Transpose":
                continue
            nn = onnx.NodeProto()
            nn.CopyFrom(n)
            nn.input[:] = [renames[b].get(i, i) for i in n.input]
            nodes.append(nn)
        outs = [value_info(o, TensorProto.FLOAT, present_shapes[o]) for o in out_names]
        return helper.make_graph(nodes, name, [], outs, initializer=locals_[b])

    else_g = branch(no_past.graph, 0, "no_past")
    then_g = branch(with_past.graph, 1, "with_past")
    if_node = helper.make_node("If", ["use_cache_branch"], out_names, name="optimum::if",
                               then_branch=then_g, else_branch=else_g)
    inputs = [value_info(n, t, d) for n, t, d in input_infos]
    inputs += [value_info(n, TensorProto.FLOAT, past_shapes[n]) for n in pkv_names("past_key_values", n_layers)]
    inputs.append(value_info("use_cache_branch", TensorProto.BOOL, [1]))
    outputs = [value_info(o, TensorProto.FLOAT, present_shapes[o]) for o in out_names]
    graph = helper.make_graph(top_nodes + [if_node], "merged", inputs, outputs, initializer=shared)
    model = helper.make_model(graph, producer_name="webdemo make_model.py", producer_version="1",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = no_past.ir_version
    model.doc_string = "Random-weight T5ForConditionalGeneration decoder, merged (webdemo test fixture)"
    onnx.checker.check_model(model)
    return model


def split_decoder(model, what, one_token=False):
    """A copy of an exported decoder as its own file, Optimum's decoder_model.onnx or
    decoder_with_past_model.onnx: the very graph that merge_decoders puts in the If branch. For
    the decoder with past, Optimum exports decoder_input_ids with only the batch axis dynamic
    (traced with one token, so the file says [batch_size, 1]) and names the logits' sequence axis
    "1" (exporters/onnx/base.py, OnnxSeq2SeqConfigWithPast.outputs); the same here. The graph is
    the one traced with a dynamic length, so only the declared shapes differ from the branch."""
    s = onnx.ModelProto()
    s.CopyFrom(model)
    s.producer_name, s.producer_version = "webdemo make_model.py", "1"
    s.doc_string = f"Random-weight T5ForConditionalGeneration {what} (webdemo test fixture)"
    if one_token:
        dim = next(i for i in s.graph.input if i.name == "input_ids").type.tensor_type.shape.dim[1]
        dim.Clear()
        dim.dim_value = 1
        dim = next(o for o in s.graph.output if o.name == "logits").type.tensor_type.shape.dim[1]
        dim.Clear()
        dim.dim_param = "1"
    onnx.checker.check_model(s)
    return s


def export_all(m, c, out):
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    V, H, D, L = c.vocab_size, c.num_heads, c.d_kv, c.num_decoder_layers
    ids = torch.tensor([[5, 17, 42, 7, 1], [9, 33, 1, 0, 0]], dtype=torch.long)
    mask = (torch.arange(5)[None] < torch.tensor([[5], [3]])).long()
    with torch.no_grad():
        enc = m.encode(ids, mask)
    # encoder
    path = os.path.join(out, "onnx", "encoder_model.onnx")
    e = export(EncoderWrapper(m), (ids, mask), path, ["input_ids", "attention_mask"], ["last_hidden_state"],
               {"input_ids": {0: "batch_size", 1: "encoder_sequence_length"},
                "attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
                "last_hidden_state": {0: "batch_size", 1: "encoder_sequence_length"}})
    e.producer_name, e.producer_version = "webdemo make_model.py", "1"
    e.doc_string = "Random-weight T5ForConditionalGeneration encoder (webdemo test fixture)"
    onnx.checker.check_model(e)
    onnx.save(e, path)

    # decoder without past, decoder with past (temporary files), then merged
    tmp = tempfile.mkdtemp()
    try:
        dec_in = torch.tensor([[0, 12, 40], [0, 7, 1]], dtype=torch.long)
        present = pkv_names("present", L)
        axes = {"encoder_attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
                "input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
                "encoder_hidden_states": {0: "batch_size", 1: "encoder_sequence_length"},
                "logits": {0: "batch_size", 1: "decoder_sequence_length"}}
        for n in present:
            axes[n] = {0: "batch_size", 2: "past_decoder_sequence_length + 1" if ".decoder." in n
                       else "encoder_sequence_length_out"}
        no_past = export(DecoderWrapper(m), (mask, dec_in, enc), os.path.join(tmp, "decoder_model.onnx"),
                         ["encoder_attention_mask", "input_ids", "encoder_hidden_states"], ["logits"] + present, axes)
        with torch.no_grad():
            _, pres = m.decode(dec_in, enc, mask)
        past_flat = [t for p in pres for t in p]
        past_in = pkv_names("past_key_values", L)
        axes_p = {"encoder_attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
                  "input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
                  "logits": {0: "batch_size", 1: "decoder_sequence_length"}}
        for n in past_in:
            axes_p[n] = {0: "batch_size", 2: "past_decoder_sequence_length" if ".decoder." in n
                         else "encoder_sequence_length_out"}
        present_dec = pkv_names("present", L, with_encoder=False)
        for n in present_dec:
            axes_p[n] = {0: "batch_size", 2: "past_decoder_sequence_length + 1"}
        with_past = export(DecoderWithPastWrapper(m), (mask, torch.tensor([[3], [1]]), *past_flat),
                           os.path.join(tmp, "decoder_with_past_model.onnx"),
                           ["encoder_attention_mask", "input_ids"] + past_in, ["logits"] + present_dec, axes_p)
    finally:
        shutil.rmtree(tmp)
    present_shapes = {"logits": ["batch_size", "decoder_sequence_length", V]}
    past_shapes = {}
    for n in present:
        present_shapes[n] = ["batch_size", H, "past_decoder_sequence_length + 1" if ".decoder." in n
                             else "encoder_sequence_length_out", D]
    for n in past_in:
        past_shapes[n] = ["batch_size", H, "past_decoder_sequence_length" if ".decoder." in n
                          else "encoder_sequence_length_out", D]
    input_infos = [("encoder_attention_mask", TensorProto.INT64, ["batch_size", "encoder_sequence_length"]),
                   ("input_ids", TensorProto.INT64, ["batch_size", "decoder_sequence_length"]),
                   ("encoder_hidden_states", TensorProto.FLOAT, ["batch_size", "encoder_sequence_length", c.d_model])]
    # The two decoders as their own files too (copies: merge_decoders adds nodes to with_past).
    split = {"decoder_model.onnx": split_decoder(no_past, "decoder without past"),
             "decoder_with_past_model.onnx": split_decoder(with_past, "decoder with past", one_token=True)}
    merged = merge_decoders(no_past, with_past, c, present_shapes, past_shapes, input_infos)
    onnx.save(merged, os.path.join(out, "onnx", "decoder_model_merged.onnx"))
    for name, model in split.items():
        onnx.save(model, os.path.join(out, "onnx", name))


# ---------------------------------------------------------------------------------------------
# Test vectors for check_onnx.mjs: torch outputs that ONNX Runtime must reproduce.
def onnx_test_vectors(m, c, sp):
    texts = ["summarize: The quick brown fox jumps over the lazy dog.", "Grüße, 東京 🙂",
             "translate English to German: The house is wonderful. " * 12]
    seqs = [sp.encode(t) + [1] for t in texts]
    T = max(len(s) for s in seqs)
    ids = torch.tensor([s + [0] * (T - len(s)) for s in seqs])
    mask = (torch.arange(T)[None] < torch.tensor([[len(s)] for s in seqs])).long()
    dec = [[0, 12, 40, 7, 99, 3, 250, 18], [0, 1, 5, 5, 5, 6, 7, 8], [0, 300, 2, 44, 45, 46, 47, 48]]
    dec_t = torch.tensor(dec)
    with torch.no_grad():
        enc = m.encode(ids, mask)
        logits, _ = m.decode(dec_t, enc, mask)  # all positions at once, no cache
    return {
        "input_ids": ids.tolist(), "attention_mask": mask.tolist(), "decoder_input_ids": dec,
        "shape_hidden": list(enc.shape), "last_hidden_state": enc.flatten().tolist(),
        "shape_logits": list(logits.shape), "logits": logits.flatten().tolist(),
        "num_layers": c.num_decoder_layers, "num_heads": c.num_heads, "d_kv": c.d_kv,
    }


def run_node_check(out, vectors, tok_strings, sp, tjs_dir):
    data = {"vectors": vectors,
            "tokenizer": [{"text": s, "ids": sp.encode(s) + [1]} for s in tok_strings]}
    with open(os.path.join(out, "_check.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    try:
        r = subprocess.run(["node", os.path.join(HERE, "check_onnx.mjs"), out], cwd=tjs_dir)
    finally:
        os.remove(os.path.join(out, "_check.json"))
    if r.returncode != 0:
        sys.exit("check_onnx.mjs failed: nothing written")


# ---------------------------------------------------------------------------------------------
def write_configs(out, c):
    write_json(os.path.join(out, "config.json"), {
        "_name_or_path": "webdemo/t5-tiny-random",
        "architectures": ["T5ForConditionalGeneration"],
        "classifier_dropout": 0.0,
        "d_ff": c.d_ff,
        "d_kv": c.d_kv,
        "d_model": c.d_model,
        "decoder_start_token_id": 0,
        "dense_act_fn": "relu",
        "dropout_rate": 0.1,
        "eos_token_id": 1,
        "feed_forward_proj": "relu",
        "initializer_factor": 1.0,
        "is_encoder_decoder": True,
        "is_gated_act": False,
        "layer_norm_epsilon": c.layer_norm_epsilon,
        "model_type": "t5",
        "n_positions": 512,
        "num_decoder_layers": c.num_decoder_layers,
        "num_heads": c.num_heads,
        "num_layers": c.num_layers,
        "output_past": True,
        "pad_token_id": 0,
        "relative_attention_max_distance": c.relative_attention_max_distance,
        "relative_attention_num_buckets": c.relative_attention_num_buckets,
        "task_specific_params": {
            "summarization": {"early_stopping": True, "length_penalty": 2.0, "max_length": 200,
                              "min_length": 30, "no_repeat_ngram_size": 3, "num_beams": 4,
                              "prefix": "summarize: "},
            "translation_en_to_de": {"early_stopping": True, "max_length": 300, "num_beams": 4,
                                     "prefix": "translate English to German: "},
            "translation_en_to_fr": {"early_stopping": True, "max_length": 300, "num_beams": 4,
                                     "prefix": "translate English to French: "},
            "translation_en_to_ro": {"early_stopping": True, "max_length": 300, "num_beams": 4,
                                     "prefix": "translate English to Romanian: "},
        },
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "use_cache": True,
        "vocab_size": c.vocab_size,
    })
    write_json(os.path.join(out, "generation_config.json"), {
        "decoder_start_token_id": 0, "eos_token_id": 1, "pad_token_id": 0})


def build(a, out, node_check=True):
    lines = build_corpus(a.seed)
    proto = train_spiece(lines, a.spm_vocab, a.seed)
    os.makedirs(out, exist_ok=True)
    n_tokens = write_tokenizer(out, proto, a.max_len)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(out, "spiece.model"))
    vocab_size = -(-n_tokens // a.vocab_multiple) * a.vocab_multiple
    c = Cfg(vocab_size=vocab_size, n_tokens=n_tokens, d_model=a.d_model, d_kv=a.d_kv, d_ff=a.d_ff,
            num_layers=a.layers, num_decoder_layers=a.decoder_layers, num_heads=a.heads,
            relative_attention_num_buckets=32, relative_attention_max_distance=128, layer_norm_epsilon=1e-6)
    write_configs(out, c)
    torch.manual_seed(a.seed)
    m = T5ForConditionalGeneration(c).eval()
    init_weights(m, c, a.seed, {"qk": a.qk_gain, "out": a.out_gain, "bias": a.bias_gain, "eos": a.eos_gain,
                                "final": a.final_gain})
    print(f"tokenizer: {len(proto.pieces)} pieces + {N_EXTRA_IDS} sentinels = {n_tokens} tokens; "
          f"model vocab_size {vocab_size}")
    self_test(m, sp, n_tokens)
    export_all(m, c, out)
    if node_check:
        run_node_check(out, onnx_test_vectors(m, c, sp), tokenizer_test_strings(lines, a.seed), sp, a.tjs_dir)
    return m, c, sp


def check_reference(m, sp, ref_path):
    """Every transformers.js generation in reference.json must equal torch_generate on the same
    ids (same weights in torch, processors re-implemented here), and the encoded ids must equal
    SentencePiece's where no special-token text is involved."""
    ref = json.load(open(ref_path, encoding="utf-8"))
    worst, n = 0.0, 0
    for e in ref["inputs"]:
        ids = e["model_input_ids"]
        if "<extra_id_" not in e["text"]:
            assert e["ids"] == sp.encode(e["text"]) + [1], e["text"]
        for key, g in e["generate"].items():
            out = torch_generate(m, ids, **g["params"])
            assert out == g["ids"], (e["name"], key, out, g["ids"])
            n += 1
    fs = ref["first_step"]
    ids = torch.tensor([fs["input_ids"]])
    with torch.no_grad():
        logits, _ = m.decode(torch.tensor([[0]]), m.encode(ids, torch.ones_like(ids)), torch.ones_like(ids))
    for tid, val in zip(fs["top5"]["ids"], fs["top5"]["logits"]):
        worst = max(worst, abs(float(logits[0, 0, tid]) - val))
    print(f"reference: all {n} generations equal torch; first-step top-5 logits differ by {worst:.2e}")
    assert worst < 1e-4


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--d-model", type=int, default=32)
    ap.add_argument("--d-kv", type=int, default=16)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--d-ff", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--decoder-layers", type=int, default=2)
    ap.add_argument("--spm-vocab", type=int, default=400, help="SentencePiece pieces (before the 100 sentinels)")
    ap.add_argument("--vocab-multiple", type=int, default=32, help="pad vocab_size to a multiple (t5: 32100 -> 32128)")
    ap.add_argument("--max-len", type=int, default=512, help="tokenizer model_max_length")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--qk-gain", type=float, default=2.0, help="q/k init scale over transformers' (peaky attention)")
    ap.add_argument("--out-gain", type=float, default=3.0, help="o/wo init scale (sub-layers outweigh the residual)")
    ap.add_argument("--bias-gain", type=float, default=8.0, help="relative attention bias init scale")
    ap.add_argument("--eos-gain", type=float, default=1.75, help="scale of the </s> embedding row (how soon EOS comes)")
    ap.add_argument("--final-gain", type=float, default=3.0, help="std of the decoder's final layer norm weight")
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--tjs-dir", default=os.environ.get("TJS_DIR", "/tmp/tjs"),
                    help="folder whose node_modules has @huggingface/transformers (and onnxruntime-node)")
    ap.add_argument("--skip-node", action="store_true", help="skip check_onnx.mjs (not for commits)")
    ap.add_argument("--check", action="store_true", help="rebuild into a temp dir and require byte-identical files in --out")
    ap.add_argument("--reference", help="reference.json from make_reference.mjs to compare torch with")
    a = ap.parse_args()
    if a.check:
        with tempfile.TemporaryDirectory() as tmp:
            m, c, sp = build(a, tmp, node_check=not a.skip_node)
            bad = [f for f in FILES if not filecmp.cmp(os.path.join(tmp, f), os.path.join(a.out, f), shallow=False)]
            print("reproducible: " + ("all files identical" if not bad else "DIFFERENT: " + ", ".join(bad)))
        if a.reference:
            check_reference(m, sp, a.reference)
        sys.exit(1 if bad else 0)
    with tempfile.TemporaryDirectory() as tmp:
        m, c, sp = build(a, tmp, node_check=not a.skip_node)
        for f in FILES:
            os.makedirs(os.path.dirname(os.path.join(a.out, f)), exist_ok=True)
            shutil.copyfile(os.path.join(tmp, f), os.path.join(a.out, f))
    if a.reference:
        check_reference(m, sp, a.reference)
    print(f"wrote {a.out}: vocab_size {c.vocab_size}, d_model {c.d_model}, d_kv {c.d_kv}, heads {c.num_heads}, "
          f"d_ff {c.d_ff}, {c.num_layers}+{c.num_decoder_layers} layers")


if __name__ == "__main__":
    main()
