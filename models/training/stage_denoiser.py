"""Stage 4: the memory-reading diffusion transformer (memory_dit.py), trained on the precomputed set.

    /usr/bin/python3 models/training/stage_denoiser.py [seed] [steps] [--mix KIND=W,...]

Losses, per batch of precomputed scenes noised to uniform timesteps:
  - the clean-latent error of the final estimate, weighted by SNR clamped to [0.05, 5] (min-SNR);
  - the layout's cross-entropy per latent cell (none, or anchor size x phase), summed over cells and
    divided by the objects in the batch; left unweighted, so its probabilities stay calibrated, which
    the template needs (at high noise the template is then the mean over where objects may be);
  - the concept of each anchor cell among all concepts, and which concepts the prompt names (reader).
The body learns from two templates: the one the layout predicts (detached, as at inference) and, for a
share of the batch that shrinks over training, the true one (so it learns early to copy a template).
Curriculum: single objects are oversampled for the first CURRICULUM share of the steps, then the
sampler's own mix, or --mix (a continuation that oversamples what is weakest). Resumes from .work/denoiser.pt (import_onnx.py rebuilds it from the export)."""

import copy
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

import common
import diffusion
import memory_dit
import scene as S
import sprite_memory as M
import training_set
import world as W

STAGE = "denoiser"
EARLY_KINDS = {"single": 0.6, "count": 0.15, "relation": 0.1, "pair": 0.1, "triple": 0.05}
CURRICULUM = 0.25
CAPTION_DROPOUT = 0.1
SNR_RANGE = (0.05, 5.0)


def targets(items, k):
    """Per batch: anchor class per cell [B,H,W], concept per anchor cell [B,H,W] (-1 elsewhere), the true
    concepts as K picks [B,K], their one-hot per anchor cell [B,K,H,W], named concepts (multi-hot)."""
    b = len(items)
    side = 16
    anchor_t = torch.zeros(b, side, side, dtype=torch.long)
    concept_t = torch.full((b, side, side), -1, dtype=torch.long)
    picks = torch.zeros(b, k, dtype=torch.long)
    probs = torch.zeros(b, k, side, side)
    named = torch.zeros(b, len(W.CLASS_NAMES))
    for i, rows in enumerate(items):
        uniq = []
        for c, s, ax, ay in rows:
            if c < 0:
                continue
            cx, cy, cls = M.anchor_class(M.SIZES[s], int(ax), int(ay))
            anchor_t[i, cy, cx] = cls
            concept_t[i, cy, cx] = int(c)
            if c not in uniq:
                uniq.append(int(c))
            probs[i, uniq.index(int(c)), cy, cx] = 1.0
            named[i, c] = 1.0
        picks[i] = torch.tensor((uniq + [uniq[0]] * k)[:k])
    return anchor_t, concept_t, picks, probs, named


def load_matching(model, state):
    """Loads every tensor whose name and shape match; returns the names of the model's modules left as
    initialised (a part whose design changed since the checkpoint)."""
    own = model.state_dict()
    fit = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(fit, strict=False)
    return {k.rsplit(".", 2)[0] for k in own if k not in fit}


def load_memory():
    ck = torch.load(common.work_path("memory.pt"))
    return ck["patterns"], ck["scaling_factor"], ck["empty_states"]


def parse_mix(text):
    """'count=0.3,pair=0.22' -> the sampler's kind weights with those replaced, normalised."""
    mix = dict(S.KIND_WEIGHTS)
    for part in filter(None, (text or "").split(",")):
        kind, _, weight = part.partition("=")
        if kind not in mix:
            raise SystemExit(f"--mix: unknown kind {kind!r}; kinds are {', '.join(mix)}")
        try:
            mix[kind] = float(weight)
        except ValueError:
            raise SystemExit(f"--mix: {part!r} is not KIND=WEIGHT") from None
        if mix[kind] < 0:
            raise SystemExit(f"--mix: weight of {kind} is negative")
    total = sum(mix.values())
    if total <= 0:
        raise SystemExit("--mix: the weights sum to zero")
    return {k: w / total for k, w in mix.items()}


def train(seed, steps, batch=48, lr=4e-4, ema_decay=0.998, p_true=(0.5, 0.15), mix=None):
    common.set_threads()
    common.seed_everything(seed)
    patterns, scale, empty = load_memory()
    ts = training_set.TrainingSet()
    common.log(STAGE, f"training set: {len(ts)} scenes")
    cfg = dict(memory_dit.CONFIG)
    model = memory_dit.MemoryDiT(cfg, patterns)
    ema = copy.deepcopy(model).requires_grad_(False)
    decay_params = [p for n, p in model.named_parameters() if p.ndim >= 2 and n != "pos"]
    other_params = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and n != "pos")]
    opt = torch.optim.AdamW([{"params": decay_params, "weight_decay": 0.01}, {"params": other_params, "weight_decay": 0.0}], lr=lr)
    ckpt_path = common.work_path("denoiser.pt")
    start = warm_from = 0
    try:
        ck = torch.load(ckpt_path)
        start = ck["step"]
        fresh = load_matching(model, ck["model"]) | load_matching(ema, ck["ema"])
        if "opt" in ck and not fresh:
            opt.load_state_dict(ck["opt"])
        else:   # rebuilt from the shipped ONNX (import_onnx.py), or parts changed: a fresh optimizer warms up
            warm_from = start
        common.log(STAGE, f"resuming at step {start}" + (f"; new parts start fresh: {sorted(fresh)}" if fresh else ""))
    except FileNotFoundError:
        pass
    common.log(STAGE, f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params, "
                      f"{memory_dit.flops_per_sample(model) / 1e9:.2f} GFLOP per sample")
    late_kinds = mix or dict(S.KIND_WEIGHTS)
    common.log(STAGE, "mix after the curriculum: " + ", ".join(f"{k} {w:.2f}" for k, w in late_kinds.items()))
    ac = diffusion.alphas_cumprod()
    rng = np.random.default_rng(seed * 7 + start)
    gen = torch.Generator().manual_seed(seed + start)
    t0 = time.time()
    for step in range(start, steps):
        kinds = EARLY_KINDS if step < CURRICULUM * steps else late_kinds
        idx = ts.sample(rng, batch, kinds)
        z = ts.latents[idx].float()
        caption = torch.from_numpy(rng.integers(0, training_set.CAPTIONS, batch))
        ctx = ts.states[idx, caption].float()
        dropped = torch.from_numpy(rng.random(batch) < CAPTION_DROPOUT)
        ctx[dropped] = empty
        anchor_t, concept_t, picks_true, probs_true, named = targets(ts.items[idx], model.k)
        concept_t[dropped] = -1
        named[dropped] = 0
        t = torch.randint(0, 1000, (batch,), generator=gen)
        noise = torch.randn(z.shape, generator=gen)
        a = ac[t][:, None, None, None]
        noisy = a.sqrt() * z + (1 - a).sqrt() * noise

        cond = model.conditioning(t.float(), ctx)
        tokens, anchor_logits, features = model.predict_layout(noisy, cond, ctx)
        n_obj = (anchor_t > 0).sum().clamp(min=1)
        anchor_loss = F.cross_entropy(anchor_logits, anchor_t, reduction="sum") / n_obj
        concept_loss = F.cross_entropy(model.concept_logits(features), concept_t, ignore_index=-1)
        read = model.read_concepts(ctx)
        reader_loss = F.binary_cross_entropy_with_logits(read, named, reduction="sum") / batch
        with torch.no_grad():
            predicted = model.predicted_template(ctx, anchor_logits, features)
            frac = min(1.0, step / max(1, steps - 1))
            use_true = torch.rand(batch, generator=gen) < p_true[0] + (p_true[1] - p_true[0]) * frac
            if use_true.any():
                true_anchor = F.one_hot(anchor_t[use_true], 1 + M.ANCHOR_CLASSES).permute(0, 3, 1, 2)[:, 1:].float()
                predicted[use_true] = model.template(true_anchor, probs_true[use_true], picks_true[use_true])
        x0 = model.denoise(noisy, tokens, cond, ctx, predicted)
        snr = ac[t] / (1 - ac[t])
        weight = snr.clamp(*SNR_RANGE)
        x0_loss = (weight * (x0 - z).pow(2).mean((1, 2, 3))).mean()
        loss = x0_loss + 0.1 * anchor_loss + 0.1 * concept_loss + 0.01 * reader_loss

        warm = min(1.0, (step - warm_from + 1) / 200)
        for g in opt.param_groups:
            g["lr"] = lr * warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        decay = min(ema_decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm, alpha=1 - decay)
        if step % 50 == 0 or step == steps - 1:
            common.log(STAGE, f"step {step}/{steps} x0 {x0_loss.item():.4f} anchor {anchor_loss.item():.3f} "
                              f"concept {concept_loss.item():.3f} reader {reader_loss.item():.3f} "
                              f"{(time.time() - t0) / (step - start + 1):.2f}s/step")
        if (step + 1) % 250 == 0 or step == steps - 1:
            common.save_atomic({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                                "step": step + 1, "cfg": cfg, "scaling_factor": scale}, ckpt_path)
    return ema, scale


def load():
    """The trained denoiser (EMA weights) and the latent scaling factor."""
    ck = torch.load(common.work_path("denoiser.pt"))
    model = memory_dit.MemoryDiT(ck["cfg"])
    model.load_state_dict(ck["ema"])
    model.trained_steps = ck["step"]   # the export records it, so a resumed run continues from there
    return model.eval().requires_grad_(False), ck["scaling_factor"]


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("seed", nargs="?", type=int, default=3)
    ap.add_argument("steps", nargs="?", type=int, default=7000, help="the cosine's horizon (a resumed run continues to it)")
    ap.add_argument("--mix", help="kind weights after the curriculum, e.g. count=0.3,pair=0.22 "
                                  f"(others keep the sampler's: {S.KIND_WEIGHTS})")
    a = ap.parse_args()
    train(a.seed, a.steps, mix=parse_mix(a.mix) if a.mix else None)
