"""Stage 1: the CLIP-format BPE tokenizer, trained on emoji-world prompts and real prompt sets."""

import random

import clip_bpe
import common
import prompts as P
import real_prompts
import scene as S

VOCAB_SIZE = 4096


def corpus(seed, prompts_dir):
    rng = random.Random(seed)
    texts = []
    for _ in range(40000):
        sc = S.sample_scene(rng)
        texts += [P.canonical(sc), P.paraphrase(sc, rng), P.loose(sc, rng)[0]]
    texts += [p for _, p in real_prompts.load(prompts_dir)]
    return texts


def run(seed, prompts_dir):
    texts = corpus(seed, prompts_dir)
    common.log("tokenizer", f"training BPE on {len(texts)} texts")
    vocab, merges = clip_bpe.train(texts, VOCAB_SIZE)
    clip_bpe.save(common.model_path("tokenizer"), vocab, merges)
    common.log("tokenizer", f"vocabulary {len(vocab)} tokens, {len(merges)} merges")


if __name__ == "__main__":
    import sys
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 1, sys.argv[2] if len(sys.argv) > 2 else common.DEFAULT_PROMPTS_DIR)
