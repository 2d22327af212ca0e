"""How well the denoiser's layout head reads a noisy latent: for held-out scenes noised to several
timesteps, the share whose most likely anchor cell is the object's (within one cell), whose concept
there is right, and whose prompt's concepts the reader names (top-K).

    /usr/bin/python3 models/training/layout_probe.py [--scenes N] [--kind single]"""

import argparse
import json
import random

import numpy as np
import torch

import common
import data
import diffusion
import evalset
import export
import prompts as P
import scene as S
import sprite_memory as M
import stage_denoiser
import training_set


@torch.no_grad()
def run(n, kind, timesteps=(100, 300, 500, 700, 900)):
    common.set_threads()
    clip, ae, model, scale = export.load_checkpoints()
    tok = data.load_tokenizer()
    cat = {"single": "single_object", "count": "counting", "pair": "two_objects", "relation": "position_relation"}[kind]
    scenes = [s for c, s in evalset.scenes() if c == cat][:n]
    r = S.Renderer()
    x = torch.from_numpy(np.stack([r.render(s, random.Random(i)) for i, s in enumerate(scenes)])).permute(0, 3, 1, 2).float() / 127.5 - 1
    z = ae.encoder(x) * scale
    ids = torch.tensor([tok.encode_padded(P.canonical(s)) for s in scenes])
    ctx = clip.text(ids)[0][:, :model.text_tokens]
    items = np.stack([training_set.item_rows(r, s) for s in scenes])
    anchor_t, concept_t, _, _, named = stage_denoiser.targets(items, model.k)
    read = model.read_concepts(ctx)
    picks = read.topk(model.k, 1).indices
    reader_ok = float(np.mean([set(np.nonzero(named[i].numpy())[0]) <= set(picks[i].tolist()) for i in range(len(scenes))]))
    ac = diffusion.alphas_cumprod()
    gen = torch.Generator().manual_seed(0)
    out = {"scenes": len(scenes), "reader_names_all": round(reader_ok, 3)}
    for t in timesteps:
        a = ac[t]
        noisy = a.sqrt() * z + (1 - a).sqrt() * torch.randn(z.shape, generator=gen)
        tt = torch.full((len(scenes),), float(t))
        cond = model.conditioning(tt, ctx)
        _, logits, feats = model.predict_layout(noisy, cond, ctx)
        objectness = 1 - logits.softmax(1)[:, 0]                       # [B,H,W]
        concepts = model.concept_logits(feats).argmax(1)               # [B,H,W]
        place = concept = mass = 0
        for i in range(len(scenes)):
            ys, xs = np.nonzero(anchor_t[i].numpy())
            flat = objectness[i].flatten().argmax().item()
            py, px = divmod(flat, 16)
            hit = any(abs(py - y) <= 1 and abs(px - x) <= 1 for y, x in zip(ys, xs))
            place += hit
            concept += all(concepts[i, y, x].item() == concept_t[i, y, x].item() for y, x in zip(ys, xs))
            mass += objectness[i].sum().item() / max(1, len(ys))
        out[f"t{t}"] = {"anchor_place": round(place / len(scenes), 3), "concept_at_anchor": round(concept / len(scenes), 3),
                        "anchor_mass_per_object": round(mass / len(scenes), 3)}
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", type=int, default=128)
    ap.add_argument("--kind", default="single", choices=["single", "count", "pair", "relation"])
    a = ap.parse_args()
    print(json.dumps(run(a.scenes, a.kind)))
