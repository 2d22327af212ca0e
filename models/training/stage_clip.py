"""Stage 2: a small CLIP trained contrastively on (caption, rendered scene) pairs."""

import math
import time

import torch
import torch.nn.functional as F

import common
import data
import nets

STAGE = "clip"


def blur_some(x, rng_t, p=0.3):
    """Generated images are softer than renders; the image tower sees some blurred ones."""
    k = torch.tensor([1.0, 2.0, 1.0])
    k = (k[:, None] * k[None]) / 16
    k = k.expand(3, 1, 3, 3)
    blurred = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), k, groups=3)
    pick = (torch.rand(x.shape[0], generator=rng_t) < p).float()[:, None, None, None]
    return x * (1 - pick) + blurred * pick


def train(seed, steps, batch=160, lr=5e-4):
    common.set_threads()
    common.seed_everything(seed)
    tok = data.load_tokenizer()
    cfg = dict(nets.CONFIG["clip"], vocab=tok.vocab_size)
    model = nets.Clip(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.1, betas=(0.9, 0.98))
    ckpt_path = common.work_path("clip.pt")
    start = 0
    try:
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["model"]), opt.load_state_dict(ck["opt"])
        start = ck["step"]
        common.log(STAGE, f"resuming at step {start}")
    except FileNotFoundError:
        pass
    batches = data.SceneBatches(seed * 1000 + start, tok, text_len=24)
    gen = torch.Generator().manual_seed(seed + start)
    t0 = time.time()
    for step in range(start, steps):
        scenes = batches.scenes(batch)
        images = blur_some(batches.images(scenes), gen)
        ids = batches.tokens(batches.captions(scenes, p_canonical=0.4))
        _, _, t_emb = model.text(ids)
        i_emb = model.image(images)
        t_emb, i_emb = F.normalize(t_emb, dim=-1), F.normalize(i_emb, dim=-1)
        logits = model.logit_scale.exp().clamp(max=100) * t_emb @ i_emb.t()
        target = torch.arange(batch)
        loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target)) / 2
        warm = min(1.0, (step + 1) / 200)
        for g in opt.param_groups:
            g["lr"] = lr * warm * 0.5 * (1 + math.cos(math.pi * step / steps))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            acc = (logits.argmax(1) == target).float().mean().item()
            common.log(STAGE, f"step {step}/{steps} loss {loss.item():.3f} batch-acc {acc:.2f} "
                              f"{(time.time() - t0) / (step - start + 1):.2f}s/step")
        if (step + 1) % 250 == 0 or step == steps - 1:
            common.save_atomic({"model": model.state_dict(), "opt": opt.state_dict(), "step": step + 1,
                                "cfg": cfg}, ckpt_path)
    return model


if __name__ == "__main__":
    import sys
    train(int(sys.argv[1]) if len(sys.argv) > 1 else 1, int(sys.argv[2]) if len(sys.argv) > 2 else 2000)
