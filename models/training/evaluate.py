"""Stage 8: measures the family on the held-out prompts and writes models/EVAL.json, the golden
reference for the C# test (models/reference/golden.json) and the model card's grid picture.

Everything here runs the PyTorch modules; the C# service re-measures the same table through ONNX
Runtime with `./run.sh eval model`."""

import json
import random
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

import common
import data
import diffusion
import evalset
import export
import judging
import nets
import prompts as P
import scene as S
import stage_llm
import world as W

STEPS = diffusion.DEFAULT_STEPS
GUIDANCE = diffusion.DEFAULT_GUIDANCE
GOLDEN_PROMPT = "a large cat in the top left corner on a blue background"
GOLDEN_SEED = 42


def load_judge():
    import stage_judge
    return stage_judge.load()


@torch.no_grad()
def judge_images(judge, images01):
    """images01: float [N,3,64,64] in [0,1] -> list of (found, colour)."""
    segmenter, classifier = judge

    def classify(crops):
        return classifier(torch.from_numpy(crops)).argmax(1).tolist()

    out = []
    for i in range(0, len(images01), 64):
        chunk = images01[i:i + 64]
        maps = [m.numpy() for m in segmenter(chunk)]
        for k, img in enumerate(chunk.numpy()):
            out.append(judging.decode([m[k] for m in maps], img, classify))
    return out


def tally(categories, scenes, verdicts):
    sums, counts = {}, {}
    for cat, sc, (found, colour) in zip(categories, scenes, verdicts):
        for metric, ok in judging.score(cat, sc, found, colour).items():
            sums[metric] = sums.get(metric, 0) + int(ok)
            counts[metric] = counts.get(metric, 0) + 1
    return {m: round(sums[m] / counts[m], 4) for m in sorted(sums)}


def initial_latent(seed, channels, side=16):
    return torch.randn(1, channels, side, side, generator=torch.Generator().manual_seed(seed))


@torch.no_grad()
def generate(clip, ae, denoiser, scale, tok, texts, seeds, steps=STEPS, guidance=GUIDANCE, batch=32):
    images = []
    uncond_ids = torch.tensor([tok.encode_padded("")])
    uncond, _, _ = clip.text(uncond_ids)
    for i in range(0, len(texts), batch):
        ids = torch.tensor([tok.encode_padded(t) for t in texts[i:i + batch]])
        cond, _, _ = clip.text(ids)
        x = torch.cat([initial_latent(s, denoiser.c) for s in seeds[i:i + batch]])
        x = diffusion.ddim_sample(denoiser, x, cond, uncond.expand(len(ids), -1, -1), steps, guidance)
        images.append(((ae.decoder(x / scale) + 1) / 2).clamp(0, 1))
    return torch.cat(images)


@torch.no_grad()
def clip_top1(clip, tok, scenes, refs):
    """Text->image retrieval among the reference renders of the same held-out scenes."""
    scenes, refs = scenes[:100], refs[:100]
    imgs = torch.from_numpy(np.stack(refs)).permute(0, 3, 1, 2).float() / 127.5 - 1
    ids = torch.tensor([tok.encode_padded(P.canonical(s)) for s in scenes])
    t = F.normalize(clip.text(ids)[2], dim=-1)
    i = F.normalize(clip.image(imgs), dim=-1)
    return round(float((t @ i.t()).argmax(1).eq(torch.arange(len(scenes))).float().mean()), 4)


def loose_prompts(scenes, seed=7):
    rng = random.Random(seed)
    return [P.loose(sc, rng)[0] for sc in scenes]


def llm_valid(tok, scenes, loose_texts):
    ck = torch.load(common.work_path("llm.pt"))
    model = nets.Gpt(ck["cfg"])
    model.load_state_dict(ck["model"])
    model.eval()
    ok, examples = 0, []
    for sc, loose_text in zip(scenes, loose_texts):
        out = stage_llm.generate(model, tok, loose_text)
        want = [(sc.items[0].concept, sc.count)] if sc.kind == "count" else [(it.concept, 1) for it in sc.items]
        parsed = P.parse_canonical(out)
        good = parsed is not None and sorted(parsed["objects"]) == sorted(want)
        ok += int(good)
        if len(examples) < 12:
            examples.append({"input": loose_text, "output": out, "valid": good})
    return round(ok / len(scenes), 4), examples


def grid_picture(path, texts, generated, references):
    cell, label_h = 96, 40
    n = len(texts)
    img = Image.new("RGB", (n // 2 * (cell + 8), 2 * (2 * cell + label_h + 8)), "white")
    draw = ImageDraw.Draw(img)
    for k in range(n):
        col, row = k % (n // 2), k // (n // 2)
        x, y = col * (cell + 8), row * (2 * cell + label_h + 8)
        words, lines, line = texts[k].split(" "), [], ""
        for w in words:
            if len(line) + len(w) > 17:
                lines.append(line)
                line = w
            else:
                line = (line + " " + w).strip()
        lines.append(line)
        draw.multiline_text((x + 2, y), "\n".join(lines[:4]), fill="black", spacing=0)
        g = Image.fromarray((generated[k].permute(1, 2, 0).numpy() * 255).astype(np.uint8)).resize((cell, cell), Image.NEAREST)
        r = Image.fromarray(references[k]).resize((cell, cell), Image.NEAREST)
        img.paste(g, (x, y + label_h))
        img.paste(r, (x, y + label_h + cell))
    img.save(path)


def export_eval_set(categories, scenes, texts, loose_texts, refs, clip_pick):
    """The held-out set for the C# evaluation (`./run.sh eval model`): prompts, the facts the judge
    checks, the loose prompts for the LLM, and a sheet of reference renders for CLIP retrieval."""
    with open(common.model_path("eval", "heldout.jsonl"), "w", encoding="utf-8") as f:
        for i, (cat, sc, text, loose_text) in enumerate(zip(categories, scenes, texts, loose_texts)):
            f.write(json.dumps({
                "index": i, "category": cat, "prompt": text, "loose": loose_text,
                "kind": sc.kind, "objects": [it.concept for it in sc.items], "count": sc.count,
                "colour": sc.colour, "texture": sc.texture, "position": sc.position, "relation": sc.relation,
                "reference_cell": clip_pick.index(i) if i in clip_pick else None}) + "\n")
    side = 10
    sheet = np.zeros((side * 64, side * 64, 3), dtype=np.uint8)
    for n, k in enumerate(clip_pick):
        sheet[(n // side) * 64:(n // side + 1) * 64, (n % side) * 64:(n % side + 1) * 64] = refs[k]
    Image.fromarray(sheet).save(common.model_path("eval", "references.png"), optimize=True)


def export_initial_latents(seeds, channels):
    """The initial latents of the evaluation's images (seed = prompt index), float32 little-endian
    [N,C,h,w] in prompt order, so `./run.sh eval model` draws exactly the same images through ONNX
    Runtime instead of different samples from its own random generator."""
    x = torch.cat([initial_latent(s, channels) for s in seeds]).numpy().astype("<f4")
    x.tofile(common.model_path("eval", "initial_latents.bin"))


def write_golden(clip, ae, denoiser, scale, tok):
    ids = tok.encode_padded(GOLDEN_PROMPT)
    un_ids = tok.encode_padded("")
    x0 = initial_latent(GOLDEN_SEED, denoiser.c)
    with torch.no_grad():
        cond = clip.text(torch.tensor([ids]))[0]
        uncond = clip.text(torch.tensor([un_ids]))[0]
        final = diffusion.ddim_sample(denoiser, x0, cond, uncond, STEPS, GUIDANCE)
    golden = {"prompt": GOLDEN_PROMPT, "negative_prompt": "", "seed": GOLDEN_SEED, "steps": STEPS,
              "guidance_scale": GUIDANCE, "scheduler": "ddim", "input_ids": ids, "uncond_input_ids": un_ids,
              "initial_latent": {"shape": list(x0.shape), "data": [round(v, 7) for v in x0.flatten().tolist()]},
              "final_latent": {"shape": list(final.shape), "data": [round(v, 7) for v in final.flatten().tolist()]}}
    with open(common.model_path("reference", "golden.json"), "w") as f:
        json.dump(golden, f)


SEED_OFFSET = 100000


def seed_diversity(clip, ae, denoiser, scale, tok, texts, categories, scenes, refs, gen, n=64):
    """Mode collapse check: the first n single-object prompts drawn again with another seed; the mean
    absolute pixel difference (0..1) between the two images of each prompt, beside the same figure for
    two different prompts (the evaluation's images of neighbouring prompts) and for the renderer's own
    freedom (each scene rendered again with another seed: a prompt that names object, size, place and
    background leaves little)."""
    idx = [i for i, c in enumerate(categories) if c == "single_object"][:n]
    again = generate(clip, ae, denoiser, scale, tok, [texts[i] for i in idx], [i + SEED_OFFSET for i in idx])
    first = gen[idx]
    renderer = S.Renderer()
    rerendered = np.stack([renderer.render(scenes[i], random.Random(i + SEED_OFFSET)) for i in idx])
    return {"prompts": len(idx), "same_prompt_other_seed": round(float((again - first).abs().mean()), 4),
            "other_prompt": round(float((first.roll(1, 0) - first).abs().mean()), 4),
            "references_other_seed": round(float(np.abs(np.stack([refs[i] for i in idx]) / 255 - rerendered / 255).mean()), 4)}


def run(limit=None):
    t0 = time.time()
    clip, ae, denoiser, scale = export.load_checkpoints()
    tok = data.load_tokenizer()
    judge = load_judge()
    renderer = S.Renderer()
    items = evalset.scenes()[:limit] if limit else evalset.scenes()
    categories = [c for c, _ in items]
    scenes = [s for _, s in items]
    texts = [P.canonical(s) for s in scenes]
    refs = [renderer.render(s, random.Random(i)) for i, s in enumerate(scenes)]
    ref01 = torch.from_numpy(np.stack(refs)).permute(0, 3, 1, 2).float() / 255
    judge_refs = tally(categories, scenes, judge_images(judge, ref01))
    common.log("eval", f"judge on references: {judge_refs}")
    with torch.no_grad():
        round_trip = torch.cat([((ae.decoder(ae.encoder(ref01[i:i + 64] * 2 - 1)) + 1) / 2).clamp(0, 1)
                                for i in range(0, len(scenes), 64)])
    judge_round_trip = tally(categories, scenes, judge_images(judge, round_trip))
    common.log("eval", f"judge on the autoencoder's round trip: {judge_round_trip}")
    gen = generate(clip, ae, denoiser, scale, tok, texts, list(range(len(texts))))
    result = tally(categories, scenes, judge_images(judge, gen))
    common.log("eval", f"generated: {result}")
    diversity = seed_diversity(clip, ae, denoiser, scale, tok, texts, categories, scenes, refs, gen)
    common.log("eval", f"seeds: {diversity}")
    noise = torch.rand(len(scenes), 3, 64, 64, generator=torch.Generator().manual_seed(1))
    bg_only = torch.from_numpy(np.stack([S.Renderer.background(s.colour, s.texture).clip(0, 255).astype(np.uint8)
                                         for s in scenes])).permute(0, 3, 1, 2).float() / 255
    honesty = {"noise": tally(categories, scenes, judge_images(judge, noise)),
               "background_only": tally(categories, scenes, judge_images(judge, bg_only))}
    clip_pick = list(range(0, len(scenes), max(1, len(scenes) // 100)))[:100]
    result["clip_top1"] = clip_top1(clip, tok, [scenes[k] for k in clip_pick], [refs[k] for k in clip_pick])
    loose_texts = loose_prompts(scenes)
    result["llm_valid"], llm_examples = llm_valid(tok, scenes, loose_texts)
    report = dict(result)
    report.update({"judge_on_references": judge_refs, "autoencoder_round_trip": judge_round_trip,
                   "seed_diversity": diversity, "honesty": honesty, "llm_examples": llm_examples,
                   "settings": {"prompts": len(scenes), "steps": STEPS, "guidance_scale": GUIDANCE,
                                "scheduler": "ddim", "seeds": "prompt index", "eval_seed": evalset.EVAL_SEED},
                   "seconds": round(time.time() - t0, 1)})
    with open(common.model_path("EVAL.json"), "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    pick = list(range(0, len(scenes), max(1, len(scenes) // 16)))[:16]
    grid_picture(common.model_path("grid.png"), [texts[k] for k in pick], gen[pick], [refs[k] for k in pick])
    write_golden(clip, ae, denoiser, scale, tok)
    export_eval_set(categories, scenes, texts, loose_texts, refs, clip_pick)
    export_initial_latents(list(range(len(texts))), denoiser.c)
    update_model_card(report)
    common.log("eval", json.dumps(result))
    return report




BARS = {"single_object": 0.90, "background": 0.95, "counting": 0.60, "two_objects": 0.60, "position": 0.50,
        "clip_top1": 0.80, "llm_valid": 0.90}
REFERENCE_BAR = 0.95      # the judge on reference renders, every row
ROUND_TRIP_BAR = 0.90     # the judge on the autoencoder's round trip, single objects


def update_model_card(report, path=None):
    """Rewrites the quality table between the eval markers of MODEL_CARD.md from a report."""
    path = path or common.model_path("MODEL_CARD.md")
    rows = [f"| metric | bar | measured | judge on reference renders (bar ≥ {REFERENCE_BAR:.2f}) | "
            "judge on the autoencoder's round trip |", "|---|---|---|---|---|"]
    for k, bar in BARS.items():
        ref = report["judge_on_references"].get(k)
        rt = report.get("autoencoder_round_trip", {}).get(k)
        ref_cell = "" if ref is None else f"{ref:.3f} {'✓' if ref >= REFERENCE_BAR else '✗'}"
        rt_cell = "" if rt is None else f"{rt:.3f}" + (f" {'✓' if rt >= ROUND_TRIP_BAR else '✗'} (bar ≥ {ROUND_TRIP_BAR:.2f})"
                                                       if k == "single_object" else "")
        rows.append(f"| `{k}` | ≥ {bar:.2f} | {report.get(k, float('nan')):.3f} "
                    f"{'✓' if report.get(k, 0) >= bar else '✗'} | {ref_cell} | {rt_cell} |")
    if "seed_diversity" in report:
        d = report["seed_diversity"]
        rows.append("")
        rows.append(f"Seeds: the first {d['prompts']} single-object prompts drawn again with another seed differ from "
                    f"their first image by a mean pixel distance of {d['same_prompt_other_seed']:.3f} (0..1 scale); "
                    f"images of two different prompts differ by {d['other_prompt']:.3f}"
                    + (f"; the reference renders of the same scenes with another seed by {d['references_other_seed']:.3f}"
                       if "references_other_seed" in d else "") + ".")

    h = report["honesty"]
    rows.append("")
    rows.append(f"Honesty check (same prompts, same judge): pure noise scores "
                f"{json.dumps(h['noise'])}; the background alone scores {json.dumps(h['background_only'])}.")
    s = report["settings"]
    rows.append(f"Settings: {s['prompts']} held-out prompts, {s['steps']} {s['scheduler'].upper()} steps, guidance "
                f"{s['guidance_scale']}, seed = prompt index; evaluation took {report['seconds']:.0f} s.")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return
    begin, end = "<!-- eval:begin -->", "<!-- eval:end -->"
    if begin in text and end in text:
        text = text[:text.index(begin) + len(begin)] + "\n" + "\n".join(rows) + "\n" + text[text.index(end):]
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    import sys
    run(int(sys.argv[1]) if len(sys.argv) > 1 else None)
