"""A CLIP-format byte-level BPE: training, saving (vocab.json + merges.txt) and encoding.

The format is CLIP's: text is lower-cased and split by CLIP's pattern, each word's UTF-8 bytes are
mapped to printable characters, the last symbol of a word carries `</w>`, merges are applied by rank,
and `<|startoftext|>` / `<|endoftext|>` are the two last ids (so EOS has the highest id and the
pooled token can be found by argmax, as CLIP does)."""

import collections
import html
import json
import os
import re

BOS, EOS = "<|startoftext|>", "<|endoftext|>"
CONTEXT = 77

# CLIP's pattern with \p{L} / \p{N} written for Python's re: letters are [^\W\d_], digits \d.
_PATTERN = re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+|_+""",
                      re.IGNORECASE)


def bytes_to_unicode():
    """CLIP/GPT-2's reversible map from bytes to printable unicode characters."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_ENCODER = bytes_to_unicode()


def clean(text):
    text = html.unescape(html.unescape(text))
    return re.sub(r"\s+", " ", text).strip().lower()


def pre_tokenize(text):
    return _PATTERN.findall(clean(text))


def word_symbols(word):
    chars = [BYTE_ENCODER[b] for b in word.encode("utf-8")]
    chars[-1] = chars[-1] + "</w>"
    return tuple(chars)


def train(texts, vocab_size):
    """Learns merges until the vocabulary (bytes, bytes+</w>, merges, 2 specials) has vocab_size."""
    words = collections.Counter()
    for t in texts:
        words.update(pre_tokenize(t))
    base = list(BYTE_ENCODER.values())
    vocab = base + [c + "</w>" for c in base]
    n_merges = vocab_size - len(vocab) - 2
    seqs = [list(word_symbols(w)) for w in words]
    freqs = list(words.values())
    pair_counts = collections.Counter()
    where = collections.defaultdict(set)
    for i, s in enumerate(seqs):
        for a, b in zip(s, s[1:]):
            pair_counts[(a, b)] += freqs[i]
            where[(a, b)].add(i)
    merges = []
    for _ in range(n_merges):
        if not pair_counts:
            break
        best = max(pair_counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if pair_counts[best] < 2:
            break
        merges.append(best)
        merged = best[0] + best[1]
        vocab.append(merged)
        for i in list(where[best]):
            s, f = seqs[i], freqs[i]
            for a, b in zip(s, s[1:]):
                pair_counts[(a, b)] -= f
                if pair_counts[(a, b)] <= 0:
                    del pair_counts[(a, b)]
                where[(a, b)].discard(i)
            j, out = 0, []
            while j < len(s):
                if j + 1 < len(s) and s[j] == best[0] and s[j + 1] == best[1]:
                    out.append(merged)
                    j += 2
                else:
                    out.append(s[j])
                    j += 1
            seqs[i] = out
            for a, b in zip(out, out[1:]):
                pair_counts[(a, b)] += f
                where[(a, b)].add(i)
        where.pop(best, None)
    vocab += [BOS, EOS]
    return vocab, merges


def save(directory, vocab, merges):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({tok: i for i, tok in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(directory, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    with open(os.path.join(directory, "special_tokens_map.json"), "w") as f:
        json.dump({"bos_token": BOS, "eos_token": EOS, "unk_token": EOS, "pad_token": EOS}, f, indent=1)
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "CLIPTokenizer", "model_max_length": CONTEXT, "do_lower_case": True,
                   "bos_token": BOS, "eos_token": EOS, "unk_token": EOS, "pad_token": EOS}, f, indent=1)


class Tokenizer:
    def __init__(self, directory):
        with open(os.path.join(directory, "vocab.json"), encoding="utf-8") as f:
            self.encoder = json.load(f)
        self.decoder = {v: k for k, v in self.encoder.items()}
        with open(os.path.join(directory, "merges.txt"), encoding="utf-8") as f:
            lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#version")]
        self.ranks = {tuple(l.split(" ")): i for i, l in enumerate(lines)}
        self.bos, self.eos = self.encoder[BOS], self.encoder[EOS]
        self.vocab_size = len(self.encoder)
        self._cache = {}
        self._byte_decoder = {v: k for k, v in BYTE_ENCODER.items()}

    def _bpe(self, word):
        if word in self._cache:
            return self._cache[word]
        s = list(word_symbols(word))
        while len(s) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(s, s[1:]))]
            rank, i = min(pairs)
            if rank == 1 << 30:
                break
            s = s[:i] + [s[i] + s[i + 1]] + s[i + 2:]
        self._cache[word] = s
        return s

    def encode(self, text):
        """Token ids without BOS/EOS."""
        return [self.encoder[t] for w in pre_tokenize(text) for t in self._bpe(w)]

    def encode_padded(self, text, length=CONTEXT):
        """[BOS, ids..., EOS, EOS...] of exactly `length`, truncated keeping EOS last."""
        ids = self.encode(text)[: length - 2]
        ids = [self.bos] + ids + [self.eos]
        return ids + [self.eos] * (length - len(ids))

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            if i in (self.bos, self.eos):
                continue
            tok = self.decoder[i]
            end = tok.endswith("</w>")
            out += bytes(self._byte_decoder[c] for c in (tok[:-4] if end else tok))
            if end:
                out += b" "
        return out.decode("utf-8", errors="replace").strip()
