"""Where the image quality is lost, measured with the judge on held-out single-object prompts:

  /usr/bin/python3 models/training/diagnose.py [--prompts N] [--json FILE]

- ceiling: the judge on the reference renders, and on their round trip through the autoencoder (no
  generator can beat the decoder's round trip);
- denoising: the UNet's one-shot clean-latent estimate from a reference's latent noised to timestep t,
  conditioned on the right prompt and on another prompt of the set (if the two score alike, the text
  does not decide what object the UNet draws; only the noisy picture does);
- sampling: DDIM from that noised latent at step 25 of 50, and from pure noise (the evaluation's case).

Runs on the checkpoints in `.work/` (rebuild them from the shipped files with import_onnx.py)."""

import argparse
import json
import random

import numpy as np
import torch

import common
import data
import diffusion
import evalset
import evaluate
import export
import prompts as P
import scene as S
import world as W


@torch.no_grad()
def run(n, timesteps=(200, 400)):
    common.set_threads()
    clip, ae, unet, scale = export.load_checkpoints()   # unet: the denoiser, whatever its kind
    tok = data.load_tokenizer()
    judge = evaluate.load_judge()
    items = [(c, s) for c, s in evalset.scenes() if c == "single_object"][:n]
    cats, scenes = [c for c, _ in items], [s for _, s in items]
    renderer = S.Renderer()
    refs = torch.from_numpy(np.stack([renderer.render(s, random.Random(i)) for i, s in enumerate(scenes)]))
    x = refs.permute(0, 3, 1, 2).float() / 127.5 - 1

    def score(images01):
        return evaluate.tally(cats, scenes, evaluate.judge_images(judge, images01))["single_object"]

    def decode(latents):
        return ((ae.decoder(latents / scale) + 1) / 2).clamp(0, 1)

    z = ae.encoder(x) * scale
    cond = clip.text(torch.tensor([tok.encode_padded(P.canonical(s)) for s in scenes]))[0]
    other = cond.roll(1, 0)   # each image with its neighbour's prompt (a different object)
    uncond = clip.text(torch.tensor([tok.encode_padded("")]))[0].expand(len(scenes), -1, -1)
    ac = diffusion.alphas_cumprod()
    gen = torch.Generator().manual_seed(0)

    def noised(t):
        a = ac[t]
        return a.sqrt() * z + (1 - a).sqrt() * torch.randn(z.shape, generator=gen)

    report = {"prompts": len(scenes), "references": score((x + 1) / 2), "autoencoder_round_trip": score(decode(z))}
    for t in timesteps:
        a, noisy = ac[t], noised(t)
        for name, ctx in (("right_prompt", cond), ("other_prompt", other)):
            v = unet(noisy, torch.full((len(scenes),), float(t)), ctx)
            report[f"one_shot_t{t}_{name}"] = score(decode(a.sqrt() * noisy - (1 - a).sqrt() * v))
    start = diffusion.DEFAULT_STEPS // 2
    t_start = diffusion.ddim_timesteps(diffusion.DEFAULT_STEPS)[start]
    report[f"ddim_from_step_{start}"] = score(decode(diffusion.ddim_sample(
        unet, noised(t_start), cond, uncond, diffusion.DEFAULT_STEPS, diffusion.DEFAULT_GUIDANCE, start_step=start)))
    noise = torch.cat([evaluate.initial_latent(i, unet.c) for i in range(len(scenes))])
    report["ddim_from_noise"] = score(decode(diffusion.ddim_sample(
        unet, noise, cond, uncond, diffusion.DEFAULT_STEPS, diffusion.DEFAULT_GUIDANCE)))
    return report


PER_OBJECT_SEED = 4242


@torch.no_grad()
def per_object(sizes=("small", "medium", "large")):
    """Each concept drawn once per size, as a single object at a random place on a random background
    (canonical prompts, never a held-out one): {concept: fraction of its images the judge names it in}."""
    common.set_threads()
    clip, ae, denoiser, scale = export.load_checkpoints()
    tok = data.load_tokenizer()
    judge = evaluate.load_judge()
    rng = random.Random(PER_OBJECT_SEED)
    scenes = []
    for concept in W.CLASS_NAMES:
        for size in sizes:
            while True:
                sc = evalset.sample_training_scene(rng, "single")
                sc.items[0].concept, sc.items[0].size = concept, size
                sc.items[0].cx, sc.items[0].cy = S._place_single(rng, size, sc.position)
                if P.canonical(sc) not in evalset.heldout_prompts():
                    break
            scenes.append(sc)
    texts = [P.canonical(sc) for sc in scenes]
    images = evaluate.generate(clip, ae, denoiser, scale, tok, texts, list(range(len(texts))))
    verdicts = evaluate.judge_images(judge, images)
    out = {}
    for sc, (found, _) in zip(scenes, verdicts):
        c = sc.items[0].concept
        out.setdefault(c, []).append(int(c in [f.concept for f in found]))
    return {c: round(sum(v) / len(v), 3) for c, v in out.items()}


def per_object_markdown(table, columns=4):
    items = sorted(table.items(), key=lambda kv: (kv[1], kv[0]))
    rows = ["| " + " | ".join(["object", "found"] * columns) + " |", "|" + "---|" * (2 * columns)]
    per = (len(items) + columns - 1) // columns
    for r in range(per):
        cells = []
        for c in range(columns):
            k = c * per + r
            cells += [items[k][0], f"{items[k][1]:.2f}"] if k < len(items) else ["", ""]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompts", type=int, default=128, help="single-object held-out prompts to use (default 128)")
    ap.add_argument("--timesteps", default="200,400", help="noise levels of the one-shot estimates (default 200,400)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--per-object", metavar="FILE",
                    help="instead: each concept drawn once per size; writes {concept: accuracy} as JSON to FILE "
                         "and prints a markdown table, weakest first")
    a = ap.parse_args()
    if a.per_object:
        table = per_object()
        with open(a.per_object, "w") as f:
            json.dump({"mean": round(sum(table.values()) / len(table), 4), "objects": table}, f, indent=1)
            f.write("\n")
        print(per_object_markdown(table))
        return
    report = run(a.prompts, tuple(int(t) for t in a.timesteps.split(",")))
    print(json.dumps(report, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
