"""A quick read of a denoiser checkpoint during training: images from noise for a few held-out prompts
of each category, scored by the judge.

    /usr/bin/python3 models/training/probe.py [--per-category N] [--guidance G] [--steps S] [--grid FILE]

Uses .work/denoiser.pt (EMA weights), the autoencoder and the judge in .work/. The full evaluation is
evaluate.py; this is for watching a run."""

import argparse
import json
import time

import torch

import common
import data
import evalset
import evaluate
import export
import prompts as P


@torch.no_grad()
def run(per_category, guidance, steps, grid=None, sharpness=None):
    common.set_threads()
    clip, ae, denoiser, scale = export.load_checkpoints()
    if sharpness:
        denoiser.cfg["concept_sharpness"] = sharpness
    tok = data.load_tokenizer()
    judge = evaluate.load_judge()
    picked, seen = [], {}
    for i, (cat, sc) in enumerate(evalset.scenes()):
        if seen.get(cat, 0) < per_category:
            seen[cat] = seen.get(cat, 0) + 1
            picked.append((i, cat, sc))
    texts = [P.canonical(sc) for _, _, sc in picked]
    t0 = time.time()
    images = evaluate.generate(clip, ae, denoiser, scale, tok, texts, [i for i, _, _ in picked], steps=steps, guidance=guidance)
    report = evaluate.tally([c for _, c, _ in picked], [s for _, _, s in picked], evaluate.judge_images(judge, images))
    report["seconds"] = round(time.time() - t0, 1)
    if grid:
        import random
        import numpy as np
        import scene as S
        r = S.Renderer()
        k = list(range(0, len(picked), max(1, len(picked) // 16)))[:16]
        refs = [r.render(picked[j][2], random.Random(picked[j][0])) for j in k]
        evaluate.grid_picture(grid, [texts[j] for j in k], images[k], refs)
    return report


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-category", type=int, default=32)
    ap.add_argument("--guidance", type=float, default=1.0)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--grid", help="also draw a grid of 16 images beside their references to this PNG")
    ap.add_argument("--sharpness", type=float, help="override the concept sharpness of the checkpoint's config")
    a = ap.parse_args()
    print(json.dumps(run(a.per_category, a.guidance, a.steps, a.grid, a.sharpness)))
