"""Stage 6: the evaluation judge: per-pixel segmentation of rendered scenes plus a background colour
head. Its own architecture, data pipeline (its own sampler seed and augmentations) and seed, sharing
nothing with the CLIP."""

import math
import time

import torch
import torch.nn.functional as F

import common
import data
import nets
import world as W

STAGE = "judge"


def degrade(x, gen):
    """Makes renders look like generated images: blur, down/up-sampling, noise, brightness."""
    b = x.shape[0]
    out = x.clone()
    r = torch.rand(b, generator=gen)
    k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
    k = (k[:, None] * k[None]) / 256
    blur = F.conv2d(F.pad(x, (2, 2, 2, 2), mode="replicate"), k.expand(3, 1, 5, 5), groups=3)
    out = torch.where((r < 0.35)[:, None, None, None], blur, out)
    small = F.interpolate(F.avg_pool2d(x, 2), scale_factor=2.0, mode="bilinear", align_corners=False)
    out = torch.where(((r >= 0.35) & (r < 0.6))[:, None, None, None], small, out)
    noise = torch.randn(x.shape, generator=gen) * torch.rand(b, 1, 1, 1, generator=gen) * 0.08
    bright = 1 + (torch.rand(b, 1, 1, 1, generator=gen) - 0.5) * 0.12
    return (out * bright + noise).clamp(0, 1)


def nonsense(n, gen):
    """Images with no scene in them (noise, smooth blobs); the judge must find nothing there."""
    noise = torch.rand(n, 3, 64, 64, generator=gen)
    blobs = F.interpolate(torch.rand(n, 3, 8, 8, generator=gen), size=64, mode="bilinear", align_corners=False)
    pick = (torch.rand(n, generator=gen) < 0.5)[:, None, None, None]
    return torch.where(pick, noise, blobs)


def train(seed, steps, batch=48, lr=2e-3):
    common.set_threads()
    common.seed_everything(seed)
    model = nets.Judge(len(W.CLASS_NAMES), len(W.COLOURS))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    batches = data.SceneBatches(seed * 7919)
    gen = torch.Generator().manual_seed(seed)
    weights = torch.ones(len(W.CLASS_NAMES) + 1)
    weights[0] = 0.5
    colour_index = {c.name: i for i, c in enumerate(W.COLOURS)}
    unknown = len(W.COLOURS)
    t0 = time.time()
    for step in range(steps):
        scenes = batches.scenes(batch)
        x, labels = batches.images(scenes, labels=True)
        x = degrade((x + 1) / 2, gen)
        bg = torch.tensor([colour_index[s.colour] for s in scenes])
        n_bad = batch // 12
        x = torch.cat([x, nonsense(n_bad, gen)])
        labels = torch.cat([labels, torch.zeros(n_bad, 64, 64, dtype=torch.long)])
        bg = torch.cat([bg, torch.full((n_bad,), unknown)])
        seg, bg_logits = model(x)
        loss = F.cross_entropy(seg, labels, weight=weights) + 0.5 * F.cross_entropy(bg_logits, bg)
        for g in opt.param_groups:
            g["lr"] = lr * min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * step / steps))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            acc = (seg.argmax(1) == labels)[labels > 0].float().mean().item()
            common.log(STAGE, f"step {step}/{steps} loss {loss.item():.3f} object-pixel-acc {acc:.2f} "
                              f"{(time.time() - t0) / (step + 1):.2f}s/step")
    model.eval()
    common.save_atomic({"model": model.state_dict(), "step": steps}, common.work_path("judge.pt"))
    return model


if __name__ == "__main__":
    import sys
    train(int(sys.argv[1]) if len(sys.argv) > 1 else 77, int(sys.argv[2]) if len(sys.argv) > 2 else 1500)
