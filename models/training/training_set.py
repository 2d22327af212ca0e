"""The denoiser's precomputed training set and its sprite memory, so training pays only for the model.

    /usr/bin/python3 models/training/training_set.py [--scenes N] [--seed S]

Renders N scenes with the training sampler (which never yields a held-out prompt), encodes each with
the frozen cell encoder (scaled latents), encodes two captions per scene with the frozen text encoder
(the first TEXT_TOKENS states only: the encoder is causal, so they equal the full run's), and records
every object's concept, size and anchor pixel. Shards of SHARD scenes go to .work/trainset/; an
interrupted build resumes at the first missing shard. The memory bank (sprite_memory.build) goes to
.work/memory.pt. Needs .work/clip.pt and .work/vae.pt (stage_clip, stage_vae or import_onnx.py)."""

import argparse
import glob
import hashlib
import json
import os
import random
import time

import numpy as np
import torch

import checkpoints
import common
import data
import evalset
import prompts as P
import scene as S
import sprite_memory as M
import world as W

TEXT_TOKENS = 32
CAPTIONS = 2
SHARD = 5000
MAX_ITEMS = 3
KINDS = list(S.KIND_WEIGHTS)
STAGE = "trainset"


def folder():
    return common.work_path("trainset", "x")[:-2]


def load_frozen():
    clip, ae = checkpoints.load_clip_and_autoencoder()   # the encoder only: the decoder refinement does not matter here
    for m in (clip, ae):
        m.eval().requires_grad_(False)
    return clip.text, ae


@torch.no_grad()
def latent_scale(ae, seed=99, n=512):
    batches = data.SceneBatches(seed)
    z = ae.encoder(batches.images(batches.scenes(n)))
    return float(1.0 / z.std())


def item_rows(renderer, scene):
    """[MAX_ITEMS, 4] int16: concept id, size id, anchor x, anchor y (-1 rows for absent items)."""
    rows = np.full((MAX_ITEMS, 4), -1, np.int16)
    for k, it in enumerate(scene.items):
        ax, ay = M.anchor(renderer, it)
        rows[k] = (W.CLASS_NAMES.index(it.concept), M.SIZES.index(it.size), ax, ay)
    return rows


@torch.no_grad()
def build_shard(index, seed, text, ae, scale, tok, path):
    rng = random.Random(seed * 100003 + index)
    renderer = S.Renderer()
    scenes = [evalset.sample_training_scene(rng) for _ in range(SHARD)]
    images = np.stack([renderer.render(s, rng) for s in scenes])
    items = np.stack([item_rows(renderer, s) for s in scenes])
    kinds = np.array([KINDS.index(s.kind) for s in scenes], np.int8)
    captions = [[P.canonical(s) if (c == 0 and rng.random() < 0.5) else P.paraphrase(s, rng) for c in range(CAPTIONS)]
                for s in scenes]
    latents, states = [], []
    for i in range(0, SHARD, 250):
        x = torch.from_numpy(images[i:i + 250]).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
        latents.append((ae.encoder(x) * scale).half())
        ids = torch.tensor([tok.encode_padded(c, TEXT_TOKENS) for caps in captions[i:i + 250] for c in caps])
        states.append(text(ids)[0].half().reshape(-1, CAPTIONS, TEXT_TOKENS, text.proj.in_features))
    tmp = path + ".tmp.npz"
    np.savez(tmp, images=images, items=items, kinds=kinds, latents=torch.cat(latents).numpy(),
             states=torch.cat(states).numpy(), captions=np.array(captions))
    os.replace(tmp, path)


def fingerprint(*modules):
    """A digest of the frozen encoders' weights: shards made with other weights are stale."""
    h = hashlib.sha256()
    for m in modules:
        for k, v in sorted(m.state_dict().items()):
            h.update(k.encode())
            h.update(v.detach().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def build(scenes, seed):
    common.set_threads()
    text, ae = load_frozen()
    tok = data.load_tokenizer()
    meta_path = os.path.join(folder(), "meta.json")
    weights = fingerprint(text, ae.encoder)
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else None
    if meta and (meta.get("encoders") != weights or meta.get("seed") != seed):
        common.log(STAGE, "the encoders or the seed changed since the shards were made: rebuilding")
        for p in glob.glob(os.path.join(folder(), "shard*.npz")):
            os.remove(p)
        meta = None
    if meta:
        scale = meta["scaling_factor"]
    else:
        scale = latent_scale(ae)
        meta = {"scaling_factor": scale, "seed": seed, "text_tokens": TEXT_TOKENS, "captions": CAPTIONS,
                "encoders": weights}
        with open(meta_path, "w") as f:
            json.dump(meta, f)
    common.log(STAGE, f"latent scaling factor {scale:.4f}")
    write_memory(text, ae, tok, scale)
    t0 = time.time()
    shards = (scenes + SHARD - 1) // SHARD
    for i in range(shards):
        path = os.path.join(folder(), f"shard{i:03d}.npz")
        if os.path.exists(path):
            continue
        build_shard(i, seed, text, ae, scale, tok, path)
        common.log(STAGE, f"shard {i + 1}/{shards} ({(time.time() - t0) / 60:.1f} min)")
    common.log(STAGE, f"done in {(time.time() - t0) / 60:.1f} min")


@torch.no_grad()
def write_memory(text, ae, tok, scale):
    """.work/memory.pt: the sprite memory, the scaling factor and the empty prompt's text states."""
    bank = M.build(S.Renderer(), ae.encoder, scale)
    empty = text(torch.tensor([tok.encode_padded("", TEXT_TOKENS)]))[0][0]
    common.save_atomic({"patterns": bank, "scaling_factor": scale, "empty_states": empty}, common.work_path("memory.pt"))
    common.log(STAGE, f"memory bank {tuple(bank.shape)}")


class TrainingSet:
    """The shards in memory: latents [N,C,16,16] f16, states [N,CAPTIONS,T,D] f16, items [N,3,4], kinds [N]."""

    def __init__(self, limit=None):
        paths = sorted(glob.glob(os.path.join(folder(), "shard*.npz")))[:limit]
        if not paths:
            raise SystemExit(f"no training set in {folder()}: run training_set.py first")
        parts = [np.load(p) for p in paths]
        self.latents = torch.from_numpy(np.concatenate([p["latents"] for p in parts]))
        self.states = torch.from_numpy(np.concatenate([p["states"] for p in parts]))
        self.items = np.concatenate([p["items"] for p in parts])
        self.kinds = np.concatenate([p["kinds"] for p in parts])
        self.meta = json.load(open(os.path.join(folder(), "meta.json")))
        self.by_kind = {k: np.nonzero(self.kinds == i)[0] for i, k in enumerate(KINDS)}

    def __len__(self):
        return len(self.kinds)

    def sample(self, rng, n, kind_weights):
        kinds = rng.choice(len(KINDS), size=n, p=np.array([kind_weights[k] for k in KINDS]) / sum(kind_weights.values()))
        return np.array([rng.choice(self.by_kind[KINDS[k]]) for k in kinds])


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=31)
    a = ap.parse_args()
    build(a.scenes, a.seed)
