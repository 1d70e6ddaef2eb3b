#!/usr/bin/python3
"""Build a random-weight DistilBERT-shaped sequence classifier in the Hugging Face /
transformers.js repository layout, with a WordPiece vocabulary this script writes itself.

Nothing is downloaded or copied: the vocabulary comes from the text below, the weights from a
seeded NumPy generator, the architecture is DistilBertForSequenceClassification written out in
torch and exported with torch.onnx.export the way Optimum exports it (inputs input_ids and
attention_mask, output logits, no token_type_ids).

    /usr/bin/python3 make_model.py                      # the tiny committed fixture, in place
    /usr/bin/python3 make_model.py --layers 6 --dim 768 --heads 12 --ffn 3072 \
        --vocab-size 30522 --out /tmp/distilbert-base-random   # DistilBERT-base-shaped, for benchmarks
    /usr/bin/python3 make_model.py --check               # rebuild in a temp dir, compare bytes;
    /usr/bin/python3 make_model.py --check --reference reference.json   # and torch vs transformers.js

Needs Debian's python3-torch, python3-onnx, python3-numpy (apt-get install -y ...).
"""
import argparse
import filecmp
import json
import math
import os
import re
import sys
import tempfile
import unicodedata

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# Vocabulary. Specials keep BERT's names but NOT BERT's ids, so code that hard-codes 101/102
# instead of looking the tokens up fails on this fixture.
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

# Our own text; its words (lower-cased) become whole-word entries of the vocabulary.
CORPUS = """
The film opens on a quiet morning in a small town, and for the first hour it is a good and
honest story about people who work hard, love their families and try to do the right thing.
The actors are wonderful, the music is warm, and the camera finds beauty in ordinary places:
a kitchen, a school, a bus stop in the rain. Then the plot turns dark. A stranger comes to the
house at night, a letter goes missing, and nobody knows who to trust. I was never bored, but I
was not always happy with the choices the writers made. Some scenes are too long, some are too
short, and the ending feels like it came from a different movie.

Still, this is a great piece of work. It is funny when it wants to be and sad when it needs to
be. The best part is the friendship between the two sisters, which is played with real care.
The worst part is the villain, a man with no reason for anything he does. My friends liked it
more than I did; one of them said it was the most beautiful thing she had seen all year. Another
thought it was boring and left before the end. You should see it and decide for yourself.

We went to the city on a cold day in winter. The streets were full of people, cars and bright
lights, and every shop had something new to sell. We ate hot soup, drank coffee and walked along
the river until our feet hurt. The museum was closed, so we visited the old market instead,
where a woman sold fresh bread, cheese, fruit and flowers. It was cheap, simple and very nice.
In the evening we took the train back home, tired but glad, and talked about the next trip.

Water, fire, earth and air; sun, moon and stars; north, south, east and west. One, two, three,
four, five, six, seven, eight, nine, ten, hundred, thousand. Red, blue, green, yellow, black and
white. Big and little, old and young, fast and slow, easy and hard, early and late, rich and
poor, open and close, up and down, in and out, yes and no, here and there, now and then.

What do you think? Why would anyone say that? How much does it cost, and where can I buy it?
Please tell me if the price is fair. Thank you very much, it has been a pleasure. Sorry, I did
not mean to be rude; it was an awful mistake and I feel terrible about it. This is amazing,
excellent, perfect, brilliant and fun, but that one is bad, poor, weak, dull, ugly and terrible.
Nothing is ever simple, yet everything can change if we only keep trying, again and again.
"""

# Continuation pieces: common English suffixes and word endings.
SUFFIXES = ["s", "es", "ed", "d", "ing", "ly", "er", "est", "ness", "ful", "less", "able",
            "ment", "tion", "ion", "al", "y", "ies", "ity", "ous", "ive", "ize", "ise", "en",
            "ers", "ings", "ation", "ist", "ism", "ship", "hood", "ward", "wards", "ish", "ic"]

# Words whose inflected forms are dropped when the stem is also a word, so they split.
PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
EXTRA_SINGLE = ["£", "€", "°", "©", "♥", "—", "–", "…", "東", "日", "本"]


def corpus_words():
    text = unicodedata.normalize("NFD", CORPUS.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    counts = {}
    for w in re.findall(r"[a-z0-9]+", text):
        counts[w] = counts.get(w, 0) + 1
    words = sorted(counts, key=lambda w: (-counts[w], w))
    stems = set(words)
    kept = []
    for w in words:
        # Drop an inflected form whose stem is in the list: "loved", "friends", "lights"... then
        # tokenize as stem + "##suffix", which is the point of continuation pieces.
        if any(w.endswith(s) and len(w) - len(s) >= 3 and (w[: -len(s)] in stems or w[: -len(s)] + "e" in stems)
               for s in ("s", "ed", "d", "ing", "ly", "er", "est")):
            continue
        kept.append(w)
    return kept


def build_vocab(vocab_size=None):
    vocab = list(SPECIALS)
    seen = set(vocab)

    def add(tok):
        if tok not in seen:
            seen.add(tok)
            vocab.append(tok)

    for p in PUNCT:
        add(p)
    for c in "0123456789abcdefghijklmnopqrstuvwxyz":
        add(c)
    for c in "0123456789abcdefghijklmnopqrstuvwxyz":
        add("##" + c)
    for s in EXTRA_SINGLE:
        add(s)
    for s in SUFFIXES:
        add("##" + s)
    for w in corpus_words():
        add(w)
    if vocab_size is not None:
        if vocab_size < len(vocab):
            sys.exit(f"--vocab-size {vocab_size} is below the natural size {len(vocab)}")
        i = 0
        while len(vocab) < vocab_size:  # filler entries, like BERT's [unusedN]
            add(f"[unused{i}]")
            i += 1
    return vocab


# ---------------------------------------------------------------------------------------------
# Model: the computation of transformers' DistilBertForSequenceClassification (eval mode).
class DistilBertForSequenceClassification(torch.nn.Module):
    def __init__(self, vocab_size, dim, n_layers, n_heads, hidden_dim, max_pos, n_labels):
        super().__init__()
        self.dim, self.n_heads = dim, n_heads
        nn = torch.nn
        self.word_embeddings = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.position_embeddings = nn.Embedding(max_pos, dim)
        self.emb_ln = nn.LayerNorm(dim, eps=1e-12)
        self.layers = nn.ModuleList()
        for _ in range(n_layers):
            layer = nn.Module()
            layer.q_lin = nn.Linear(dim, dim)
            layer.k_lin = nn.Linear(dim, dim)
            layer.v_lin = nn.Linear(dim, dim)
            layer.out_lin = nn.Linear(dim, dim)
            layer.sa_layer_norm = nn.LayerNorm(dim, eps=1e-12)
            layer.lin1 = nn.Linear(dim, hidden_dim)
            layer.lin2 = nn.Linear(hidden_dim, dim)
            layer.output_layer_norm = nn.LayerNorm(dim, eps=1e-12)
            self.layers.append(layer)
        self.pre_classifier = nn.Linear(dim, dim)
        self.classifier = nn.Linear(dim, n_labels)

    def forward(self, input_ids, attention_mask):
        bs, seq = input_ids.shape
        pos = torch.arange(seq, dtype=torch.long, device=input_ids.device).unsqueeze(0)
        x = self.emb_ln(self.word_embeddings(input_ids) + self.position_embeddings(pos))
        dh = self.dim // self.n_heads
        masked = (attention_mask == 0).view(bs, 1, 1, seq)

        def heads(t):
            return t.view(bs, -1, self.n_heads, dh).transpose(1, 2)

        for L in self.layers:
            q = heads(L.q_lin(x)) / math.sqrt(dh)
            k = heads(L.k_lin(x))
            v = heads(L.v_lin(x))
            scores = torch.matmul(q, k.transpose(2, 3))
            scores = scores.masked_fill(masked, torch.finfo(torch.float32).min)
            ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
            ctx = ctx.transpose(1, 2).reshape(bs, -1, self.dim)
            sa = L.sa_layer_norm(L.out_lin(ctx) + x)
            ffn = L.lin2(F.gelu(L.lin1(sa)))
            x = L.output_layer_norm(ffn + sa)
        pooled = torch.relu(self.pre_classifier(x[:, 0]))
        return self.classifier(pooled)

    def hf_state_dict(self):
        """Parameters under the names transformers uses (distilbert.transformer.layer.N....)."""
        out = {}
        for k, v in self.state_dict().items():
            k = k.replace("word_embeddings", "distilbert.embeddings.word_embeddings")
            k = k.replace("position_embeddings", "distilbert.embeddings.position_embeddings")
            k = k.replace("emb_ln", "distilbert.embeddings.LayerNorm")
            k = re.sub(r"^layers\.(\d+)\.([qkv]_lin|out_lin)", r"distilbert.transformer.layer.\1.attention.\2", k)
            k = re.sub(r"^layers\.(\d+)\.(lin[12])", r"distilbert.transformer.layer.\1.ffn.\2", k)
            k = re.sub(r"^layers\.(\d+)\.", r"distilbert.transformer.layer.\1.", k)
            out[k] = v
        return out


def init_weights(model, seed, dim):
    """Seeded NumPy draws (independent of torch's RNG). Scales are deliberately large so the
    attention is peaky and the two logits differ clearly from one input to the next."""
    rng = np.random.default_rng(seed)

    def normal(shape, std):
        return torch.from_numpy(rng.normal(0.0, std, size=shape).astype(np.float32))

    with torch.no_grad():
        for name, p in model.named_parameters():  # fixed order: module definition order
            shape = tuple(p.shape)
            if name.endswith("LayerNorm.weight") or name.endswith("ln.weight") or name.endswith("norm.weight"):
                p.copy_(1.0 + normal(shape, 0.1))
            elif name.endswith("bias"):
                p.copy_(normal(shape, 0.1))
            elif name == "word_embeddings.weight":
                w = normal(shape, 1.0)
                w[0] = 0.0  # padding_idx
                p.copy_(w)
            elif name == "position_embeddings.weight":
                p.copy_(normal(shape, 0.5))
            elif name.endswith("q_lin.weight") or name.endswith("k_lin.weight"):
                p.copy_(normal(shape, 2.0 / math.sqrt(shape[1])))
            elif name == "classifier.weight":
                p.copy_(normal(shape, 3.0 / math.sqrt(shape[1])))
            else:
                p.copy_(normal(shape, 1.0 / math.sqrt(shape[1])))


# ---------------------------------------------------------------------------------------------
def write_json(path, obj):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def special_added_tokens(vocab):
    return [{"id": vocab.index(t), "content": t, "single_word": False, "lstrip": False,
             "rstrip": False, "normalized": False, "special": True} for t in SPECIALS]


def write_tokenizer(out, vocab, max_len):
    ids = {t: i for i, t in enumerate(vocab)}
    with open(os.path.join(out, "vocab.txt"), "w", encoding="utf-8", newline="\n") as f:
        for t in vocab:
            f.write(t + "\n")
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": special_added_tokens(vocab),
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }
    write_json(os.path.join(out, "tokenizer.json"), tok)
    write_json(os.path.join(out, "tokenizer_config.json"), {
        "added_tokens_decoder": {str(a["id"]): {k: v for k, v in a.items() if k != "id"}
                                 for a in special_added_tokens(vocab)},
        "clean_up_tokenization_spaces": True,
        "cls_token": "[CLS]",
        "do_basic_tokenize": True,
        "do_lower_case": True,
        "mask_token": "[MASK]",
        "model_max_length": max_len,
        "never_split": None,
        "pad_token": "[PAD]",
        "sep_token": "[SEP]",
        "strip_accents": None,
        "tokenize_chinese_chars": True,
        "tokenizer_class": "DistilBertTokenizer",
        "unk_token": "[UNK]",
    })
    write_json(os.path.join(out, "special_tokens_map.json"), {
        "cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]",
        "sep_token": "[SEP]", "unk_token": "[UNK]"})


def write_config(out, a, vocab_size):
    write_json(os.path.join(out, "config.json"), {
        "_name_or_path": "webdemo/distilbert-tiny-random",
        "architectures": ["DistilBertForSequenceClassification"],
        "model_type": "distilbert",
        "activation": "gelu",
        "dim": a.dim,
        "n_layers": a.layers,
        "n_heads": a.heads,
        "hidden_dim": a.ffn,
        "vocab_size": vocab_size,
        "max_position_embeddings": a.max_pos,
        "pad_token_id": 0,
        "sinusoidal_pos_embds": False,
        "tie_weights_": True,
        "dropout": 0.1,
        "attention_dropout": 0.1,
        "seq_classif_dropout": 0.2,
        "initializer_range": 0.02,
        "qa_dropout": 0.1,
        "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
        "label2id": {"NEGATIVE": 0, "POSITIVE": 1},
        "problem_type": "single_label_classification",
        "torch_dtype": "float32",
    })


def build_model(a, vocab_size):
    torch.manual_seed(a.seed)
    m = DistilBertForSequenceClassification(vocab_size, a.dim, a.layers, a.heads, a.ffn, a.max_pos, 2)
    init_weights(m, a.seed, a.dim)
    return m.eval()


def export_onnx(m, path, vocab_size):
    ids = torch.tensor([[2, 10, 11, 12, 3], [2, 13, 3, 0, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    with torch.no_grad():
        torch.onnx.export(
            m, (ids, mask), path,
            input_names=["input_ids", "attention_mask"], output_names=["logits"],
            dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                          "attention_mask": {0: "batch_size", 1: "sequence_length"},
                          "logits": {0: "batch_size"}},
            opset_version=14, do_constant_folding=True)
    import onnx
    model = onnx.load(path)
    # Name the parameters as transformers does where the exporter kept them as plain tensors.
    rename = dict(zip(m.state_dict().keys(), m.hf_state_dict().keys()))
    for init in model.graph.initializer:
        if init.name in rename:
            new = rename[init.name]
            for node in model.graph.node:
                node.input[:] = [new if i == init.name else i for i in node.input]
            init.name = new
    model.producer_name = "webdemo make_model.py"
    model.producer_version = "1"
    model.doc_string = "Random-weight DistilBertForSequenceClassification (webdemo test fixture)"
    onnx.checker.check_model(model)
    onnx.save(model, path)


def self_test(m, vocab_size):
    """Padding must not change the logits; logits must vary from input to input."""
    g = torch.Generator().manual_seed(1)
    lens = [3, 7, 12, 20, 33]
    seqs = [[2] + torch.randint(5, vocab_size, (n - 2,), generator=g).tolist() + [3] for n in lens]
    T = max(lens)
    ids = torch.tensor([s + [0] * (T - len(s)) for s in seqs])
    mask = (ids != 0).long()
    with torch.no_grad():
        batch = m(ids, mask)
        alone = torch.cat([m(torch.tensor([s]), torch.ones(1, len(s), dtype=torch.long)) for s in seqs])
    diff = (batch - alone).abs().max().item()
    probs = torch.softmax(alone, -1)[:, 1]
    print(f"self-test: max |padded - alone| = {diff:.2e}; P(POSITIVE) = "
          + ", ".join(f"{p:.3f}" for p in probs.tolist()))
    assert diff < 1e-5 * max(1.0, alone.abs().max().item()), "attention mask does not mask padded positions"


def generate(a, out):
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    vocab = build_vocab(a.vocab_size)
    write_tokenizer(out, vocab, a.max_pos)
    write_config(out, a, len(vocab))
    m = build_model(a, len(vocab))
    self_test(m, len(vocab))
    export_onnx(m, os.path.join(out, "onnx", "model.onnx"), len(vocab))
    return m, vocab


def check_reference(m, vocab, ref_path, max_len):
    """Compare torch logits to transformers.js scores (which ran the exported ONNX file).
    transformers.js 4.3.1 truncates the encoded ids, [CLS]/[SEP] included, to max_len: a long
    text reaches the model as ids[:max_len] with no closing [SEP]."""
    ref = json.load(open(ref_path, encoding="utf-8"))
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")

    def positive(ids):
        with torch.no_grad():
            logits = m(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long)).double()
        return torch.softmax(logits, -1)[0].tolist()

    worst = 0.0
    for e in ref["texts"]:
        ids = e["ids"]
        assert ids[0] == cls and ids[-1] == sep
        assert e["truncated"] == (len(ids) > max_len)
        p = positive(ids[:max_len])
        d = max(abs(p[0] - e["scores"]["NEGATIVE"]), abs(p[1] - e["scores"]["POSITIVE"]))
        worst = max(worst, d)
        if e["truncated"]:
            q = positive(ids[: max_len - 1] + [sep])
            print(f"truncated text ({len(ids)} ids): transformers.js = torch on ids[:{max_len}] to {d:.1e}; "
                  f"[CLS]+{max_len - 2}+[SEP] (Python transformers style) would differ by {abs(q[1] - p[1]):.1e}")
    print(f"reference: {len(ref['texts'])} texts, max |torch - transformers.js| = {worst:.2e}")
    assert worst < 1e-5


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--dim", type=int, default=32)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=64)
    ap.add_argument("--max-pos", type=int, default=512)
    ap.add_argument("--vocab-size", type=int, default=None,
                    help="pad the vocabulary with [unusedN] entries up to this size (30522 for base)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--check", action="store_true",
                    help="rebuild into a temp dir and require byte-identical files in --out")
    ap.add_argument("--reference", help="reference.json from make_reference.mjs to compare with")
    a = ap.parse_args()
    if a.dim % a.heads:
        sys.exit("--dim must be divisible by --heads")
    if a.check:
        with tempfile.TemporaryDirectory() as tmp:
            m, vocab = generate(a, tmp)
            files = ["config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json",
                     "special_tokens_map.json", "onnx/model.onnx"]
            bad = [f for f in files if not filecmp.cmp(os.path.join(tmp, f), os.path.join(a.out, f), shallow=False)]
            print("reproducible: " + ("all files identical" if not bad else "DIFFERENT: " + ", ".join(bad)))
        if a.reference:
            check_reference(m, vocab, a.reference, a.max_pos)
        sys.exit(1 if bad else 0)
    m, vocab = generate(a, a.out)
    if a.reference:
        check_reference(m, vocab, a.reference, a.max_pos)
    print(f"wrote {a.out}: vocab {len(vocab)}, {a.layers} layers, dim {a.dim}, {a.heads} heads, ffn {a.ffn}")


if __name__ == "__main__":
    main()
