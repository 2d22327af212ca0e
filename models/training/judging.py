"""Turns the judge's outputs into findings (objects, counts, positions, background) and scores a
finding against the scene a prompt asked for. The C# evaluation implements the same rules; they are
written down in judge/config.json (`decode`)."""

from dataclasses import dataclass

import numpy as np

import world as W

MIN_AREA = 12          # components smaller than this many pixels are noise
RELATION_MARGIN = 3.0  # pixels by which a relation must hold


@dataclass
class Found:
    concept: str
    area: int
    cx: float
    cy: float


CROP = 32              # classifier input size
CROP_MARGIN = 1.25     # crop side = longest bbox side * margin + 2 pixels


def components(mask):
    """8-connected components of a boolean mask with at least MIN_AREA pixels:
    list of (area, cx, cy, x0, y0, x1, y1)."""
    h, w = mask.shape
    seen = np.zeros((h, w), dtype=bool)
    out = []
    for y0 in range(h):
        for x0 in range(w):
            if not mask[y0, x0] or seen[y0, x0]:
                continue
            stack = [(y0, x0)]
            seen[y0, x0] = True
            ys, xs = [], []
            while stack:
                y, x = stack.pop()
                ys.append(y)
                xs.append(x)
                for dy in (-1, 0, 1):
                    for dx in (-1, 0, 1):
                        ny, nx = y + dy, x + dx
                        if 0 <= ny < h and 0 <= nx < w and not seen[ny, nx] and mask[ny, nx]:
                            seen[ny, nx] = True
                            stack.append((ny, nx))
            if len(ys) < MIN_AREA:
                continue
            ys, xs = np.array(ys), np.array(xs)
            out.append((len(ys), float(xs.mean()), float(ys.mean()), int(xs.min()), int(ys.min()),
                        int(xs.max()), int(ys.max())))
    return out


def crop_box(x0, y0, x1, y1):
    """The square (left, top, side) the classifier sees around a bounding box (inclusive pixels)."""
    side = max(x1 - x0 + 1, y1 - y0 + 1) * CROP_MARGIN + 2
    cx, cy = (x0 + x1 + 1) / 2, (y0 + y1 + 1) / 2
    return cx - side / 2, cy - side / 2, side


def crop(image, left, top, side):
    """Bilinear resample of image [3,H,W] (float) over the square to [3,CROP,CROP]; coordinates outside
    the image take the nearest edge pixel. Written out so the C# judge can do exactly the same."""
    _, h, w = image.shape
    t = (np.arange(CROP) + 0.5) * (side / CROP) - 0.5
    xs = np.clip(left + t, 0, w - 1)
    ys = np.clip(top + t, 0, h - 1)
    x0 = np.floor(xs).astype(int)
    y0 = np.floor(ys).astype(int)
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    fx = (xs - x0)[None, None, :]
    fy = (ys - y0)[None, :, None]
    a = image[:, y0][:, :, x0]
    b = image[:, y0][:, :, x1]
    c = image[:, y1][:, :, x0]
    d = image[:, y1][:, :, x1]
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy


def crop_batch(images, boxes):
    """The same resampling as crop() for many crops at once with torch: images float [N,3,H,W],
    boxes [(left, top, side)] one per image -> [N,3,CROP,CROP]. grid_sample with align_corners=False
    and border padding computes exactly crop()'s formula."""
    import torch
    import torch.nn.functional as F
    n, _, h, w = images.shape
    b = torch.tensor(boxes, dtype=torch.float32)
    t = (torch.arange(CROP, dtype=torch.float32) + 0.5) / CROP
    xs = b[:, 0:1] + t[None] * b[:, 2:3] - 0.5          # pixel coordinates [N,CROP]
    ys = b[:, 1:2] + t[None] * b[:, 2:3] - 0.5
    gx = (2 * xs + 1) / w - 1
    gy = (2 * ys + 1) / h - 1
    grid = torch.stack([gx[:, None, :].expand(n, CROP, CROP), gy[:, :, None].expand(n, CROP, CROP)], -1)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)


CENTER_THRESHOLD = 0.12  # a centre-heatmap peak at least this high is an object (large objects peak low: broad targets)
PEAK_WINDOW = 5          # a peak is the maximum of its PEAK_WINDOW x PEAK_WINDOW neighbourhood


def peaks(heat):
    """(x, y) of local maxima of heat [H,W] (probabilities) above the threshold, in row-major order;
    among equal values in a window the first in row-major order wins."""
    h, w = heat.shape
    r = PEAK_WINDOW // 2
    out = []
    for y in range(h):
        for x in range(w):
            v = heat[y, x]
            if v < CENTER_THRESHOLD:
                continue
            ok = True
            for yy in range(max(0, y - r), min(h, y + r + 1)):
                for xx in range(max(0, x - r), min(w, x + r + 1)):
                    u = heat[yy, xx]
                    if u > v or (u == v and (yy, xx) < (y, x)):
                        ok = False
                        break
                if not ok:
                    break
            if ok:
                out.append((x, y))
    return out


def decode(outputs, image, classify):
    """outputs: the segmenter's (segmentation [2,H,W], centres [1,H,W] logits, sizes [2,H,W], background
    [colours+1]) for one image (numpy); image [3,H,W] in [0,1]; classify(crops [N,3,32,32]) -> class ids
    (0 = no object). Returns (objects, colour or None)."""
    seg, centres, sizes, bg_logits = outputs
    heat = 1 / (1 + np.exp(-centres[0]))
    found = []
    pts = peaks(heat)
    if pts:
        boxes = []
        for x, y in pts:
            bw, bh = max(1.0, sizes[0, y, x] * W.IMAGE_SIZE), max(1.0, sizes[1, y, x] * W.IMAGE_SIZE)
            side = max(bw, bh) * CROP_MARGIN + 2
            boxes.append((x + 0.5 - side / 2, y + 0.5 - side / 2, side, bw, bh))
        crops = np.stack([crop(image, *b[:3]) for b in boxes]).astype(np.float32)
        for (x, y), b, cls in zip(pts, boxes, classify(crops)):
            if cls > 0 and b[3] * b[4] >= MIN_AREA:
                found.append(Found(W.CLASS_NAMES[cls - 1], int(round(b[3] * b[4])), float(x), float(y)))
    bg = int(bg_logits.argmax())
    colour = W.COLOURS[bg].name if bg < len(W.COLOURS) else None
    return found, colour


def _largest(found, concept):
    cands = [f for f in found if f.concept == concept]
    return max(cands, key=lambda f: f.area) if cands else None


def _region(v):
    third = W.IMAGE_SIZE / 3
    return -1 if v < third else (1 if v >= 2 * third else 0)


def score(category, scene, found, colour):
    """Returns {metric: bool} for the metrics this category contributes to."""
    out = {"background": colour == scene.colour}
    names = [f.concept for f in found]
    if category == "single_object":
        out["single_object"] = scene.items[0].concept in names
    elif category == "counting":
        out["counting"] = names.count(scene.items[0].concept) == scene.count
    elif category == "two_objects":
        out["two_objects"] = all(it.concept in names for it in scene.items)
    elif category == "position_relation":
        a, b = _largest(found, scene.items[0].concept), _largest(found, scene.items[1].concept)
        ok = False
        if a and b:
            dx, dy = W.RELATIONS[scene.relation]
            if dx:
                ok = (b.cx - a.cx) * dx < -RELATION_MARGIN
            else:
                ok = (b.cy - a.cy) * dy < -RELATION_MARGIN
        out["position"] = ok
    elif category == "position_absolute":
        a = _largest(found, scene.items[0].concept)
        ok = False
        if a:
            col, row = W.POSITIONS[scene.position]
            ok = True
            if col or scene.position == "center":
                ok &= _region(a.cx) == col
            if row or scene.position == "center":
                ok &= _region(a.cy) == row
        out["position"] = ok
    return out
