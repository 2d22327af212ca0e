"""Batches of rendered scenes with their captions, for the training stages."""

import random

import numpy as np
import torch

import clip_bpe
import common
import evalset
import prompts as P
import scene as S


class SceneBatches:
    def __init__(self, seed, tokenizer=None, text_len=32):
        self.rng = random.Random(seed)
        self.renderer = S.Renderer()
        self.tok = tokenizer
        self.text_len = text_len

    def scenes(self, n, kind=None):
        return [evalset.sample_training_scene(self.rng, kind) for _ in range(n)]

    def images(self, scenes, labels=False):
        out = [self.renderer.render(s, self.rng, with_labels=labels) for s in scenes]
        if labels:
            imgs = np.stack([o[0] for o in out])
            labs = torch.from_numpy(np.stack([o[1] for o in out]).astype(np.int64))
        else:
            imgs = np.stack(out)
        x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
        return (x, labs) if labels else x

    def captions(self, scenes, p_canonical=0.3, dropout=0.0):
        caps = []
        for s in scenes:
            if self.rng.random() < dropout:
                caps.append("")
            elif self.rng.random() < p_canonical:
                caps.append(P.canonical(s))
            else:
                caps.append(P.paraphrase(s, self.rng))
        return caps

    def tokens(self, captions, length=None):
        length = length or self.text_len
        return torch.tensor([self.tok.encode_padded(c, length) for c in captions], dtype=torch.long)


def load_tokenizer():
    return clip_bpe.Tokenizer(common.model_path("tokenizer"))
