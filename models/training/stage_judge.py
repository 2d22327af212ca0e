"""Stage 6: the evaluation judge, in two steps: a segmenter (object pixels vs background, and the
background colour) and a classifier of 32x32 crops around each segment. Its own architecture, data
pipeline (its own sampler seed and augmentations) and seed, sharing nothing with the CLIP."""

import math
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

import common
import data
import judging
import nets
import world as W

STAGE = "judge"


def degrade(x, gen):
    """Makes renders (in [0,1]) look like generated images: blur, down/up-sampling, noise, brightness."""
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


# Scenes the judge trains on: half from the training sampler, half single objects with large and small
# sizes oversampled, since those are what it misread on reference renders (a large object split into two
# detections or taken for another class; a small one missed).
SINGLE_SHARE = 0.5
SINGLE_SIZE_WEIGHTS = {"small": 0.35, "medium": 0.2, "large": 0.45}


def judge_scenes(batches, n):
    out = []
    for _ in range(n):
        if batches.rng.random() >= SINGLE_SHARE:
            out.extend(batches.scenes(1))
            continue
        size = batches.rng.choices(list(SINGLE_SIZE_WEIGHTS), weights=list(SINGLE_SIZE_WEIGHTS.values()))[0]
        while True:
            sc = batches.scenes(1, "single")[0]
            if sc.items[0].size == size:
                out.append(sc)
                break
    return out


def _schedule(opt, lr, step, steps):
    for g in opt.param_groups:
        g["lr"] = lr * min(1.0, (step + 1) / 50) * 0.5 * (1 + math.cos(math.pi * step / steps))


def detection_targets(renderer, scenes):
    """Per image: a centre heatmap (1 at each object's centre pixel, a Gaussian around it), the object's
    size (w,h)/64 around its centre, and where that size is defined."""
    n = len(scenes)
    heat = np.zeros((n, 1, 64, 64), dtype=np.float32)
    size = np.zeros((n, 2, 64, 64), dtype=np.float32)
    where = np.zeros((n, 1, 64, 64), dtype=np.float32)
    yy, xx = np.mgrid[0:64, 0:64]
    for i, sc in enumerate(scenes):
        for _, x0, y0, x1, y1 in renderer.instance_boxes(sc):
            w, h = x1 - x0 + 1, y1 - y0 + 1
            cx, cy = (x0 + x1 + 1) / 2, (y0 + y1 + 1) / 2
            sigma = max(1.0, max(w, h) / 8)
            g = np.exp(-((xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2) / (2 * sigma ** 2))
            heat[i, 0] = np.maximum(heat[i, 0], g)
            px, py = min(63, int(cx)), min(63, int(cy))
            heat[i, 0, py, px] = 1.0
            ys, xs = slice(max(0, py - 1), py + 2), slice(max(0, px - 1), px + 2)
            size[i, 0, ys, xs] = w / 64
            size[i, 1, ys, xs] = h / 64
            where[i, 0, ys, xs] = 1
    return torch.from_numpy(heat), torch.from_numpy(size), torch.from_numpy(where)


def focal_loss(logits, target):
    """CenterNet's penalty-reduced focal loss on a Gaussian heatmap."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    pos_loss = -((1 - p) ** 2) * torch.log(p) * pos
    neg_loss = -((1 - target) ** 4) * (p ** 2) * torch.log(1 - p) * (1 - pos)
    return (pos_loss.sum() + neg_loss.sum()) / pos.sum().clamp(min=1)


def train_segmenter(batches, gen, steps, batch=32, lr=2e-3):
    model = nets.JudgeSegmenter(len(W.COLOURS))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    colour_index = {c.name: i for i, c in enumerate(W.COLOURS)}
    unknown = len(W.COLOURS)
    t0 = time.time()
    for step in range(steps):
        scenes = judge_scenes(batches, batch)
        x, labels = batches.images(scenes, labels=True)
        x = degrade((x + 1) / 2, gen)
        heat, size, where = detection_targets(batches.renderer, scenes)
        bg = torch.tensor([colour_index[s.colour] for s in scenes])
        n_bad = batch // 8
        x = torch.cat([x, nonsense(n_bad, gen)])
        mask = torch.cat([(labels > 0).long(), torch.zeros(n_bad, 64, 64, dtype=torch.long)])
        heat = torch.cat([heat, torch.zeros(n_bad, 1, 64, 64)])
        size = torch.cat([size, torch.zeros(n_bad, 2, 64, 64)])
        where = torch.cat([where, torch.zeros(n_bad, 1, 64, 64)])
        bg = torch.cat([bg, torch.full((n_bad,), unknown)])
        seg, centres, sizes, bg_logits = model(x)
        size_loss = ((sizes - size).abs() * where).sum() / where.sum().clamp(min=1)
        loss = (F.cross_entropy(seg, mask, weight=torch.tensor([1.0, 3.0])) + focal_loss(centres, heat)
                + 5 * size_loss + 0.5 * F.cross_entropy(bg_logits, bg))
        _schedule(opt, lr, step, steps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            acc = (bg_logits.argmax(1) == bg).float().mean().item()
            common.log(STAGE, f"segmenter step {step}/{steps} loss {loss.item():.3f} size-l1 {size_loss.item():.3f} "
                              f"bg-acc {acc:.2f} {(time.time() - t0) / (step + 1):.2f}s/step")
    return model.eval()


def training_crops(batches, gen, rng, n_scenes):
    """Crops around each object's (jittered) box from degraded renders, plus crops of nothing."""
    scenes = judge_scenes(batches, n_scenes)
    x = degrade((batches.images(scenes) + 1) / 2, gen)
    sources, boxes, labels = [], [], []
    for i, sc in enumerate(scenes):
        objects = batches.renderer.instance_boxes(sc)
        for cls, x0, y0, x1, y1 in objects:
            j = [rng.randint(-2, 2) for _ in range(4)]
            bx0, by0 = max(0, x0 + j[0]), max(0, y0 + j[1])
            bx1, by1 = min(63, max(bx0 + 2, x1 + j[2])), min(63, max(by0 + 2, y1 + j[3]))
            sources.append(i)
            boxes.append(judging.crop_box(bx0, by0, bx1, by1))
            labels.append(cls)
        if rng.random() < 0.35:   # a patch of background
            s = rng.randint(6, 24)
            x0, y0 = rng.randint(0, 63 - s), rng.randint(0, 63 - s)
            if all(x0 + s < b[1] or b[3] < x0 or y0 + s < b[2] or b[4] < y0 for b in objects):
                sources.append(i)
                boxes.append(judging.crop_box(x0, y0, x0 + s, y0 + s))
                labels.append(0)
    bad = nonsense(max(1, n_scenes // 16), gen)
    for k in range(bad.shape[0]):   # a patch of noise
        s = rng.randint(6, 30)
        x0, y0 = rng.randint(0, 63 - s), rng.randint(0, 63 - s)
        sources.append(len(scenes) + k)
        boxes.append(judging.crop_box(x0, y0, x0 + s, y0 + s))
        labels.append(0)
    images = torch.cat([x, bad])[torch.tensor(sources)]
    return judging.crop_batch(images, boxes), torch.tensor(labels)


def train_classifier(batches, gen, rng, steps, n_scenes=64, lr=2e-3):
    model = nets.JudgeClassifier(len(W.CLASS_NAMES))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    t0 = time.time()
    for step in range(steps):
        crops, labels = training_crops(batches, gen, rng, n_scenes)
        logits = model(crops)
        loss = F.cross_entropy(logits, labels, label_smoothing=0.05)
        _schedule(opt, lr, step, steps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            acc = (logits.argmax(1) == labels).float().mean().item()
            common.log(STAGE, f"classifier step {step}/{steps} loss {loss.item():.3f} acc {acc:.2f} "
                              f"{(time.time() - t0) / (step + 1):.2f}s/step")
    return model.eval()


def train(seed, steps):
    common.set_threads()
    common.seed_everything(seed)
    batches = data.SceneBatches(seed * 7919)
    gen = torch.Generator().manual_seed(seed)
    rng = random.Random(seed)
    # the centre heatmap converges slowly (CenterNet-style focal loss): 480 steps left its peaks below 0.2
    segmenter = train_segmenter(batches, gen, max(1, steps * 5 // 2))
    classifier = train_classifier(batches, gen, rng, steps)
    common.save_atomic({"segmenter": segmenter.state_dict(), "classifier": classifier.state_dict(), "step": steps},
                       common.work_path("judge.pt"))


def load():
    ck = torch.load(common.work_path("judge.pt"))
    seg = nets.JudgeSegmenter(len(W.COLOURS))
    seg.load_state_dict(ck["segmenter"])
    cls = nets.JudgeClassifier(len(W.CLASS_NAMES))
    cls.load_state_dict(ck["classifier"])
    return seg.eval(), cls.eval()


if __name__ == "__main__":
    import sys
    train(int(sys.argv[1]) if len(sys.argv) > 1 else 77, int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
