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


def components(labels):
    """8-connected components of non-background pixels; each gets its majority class."""
    h, w = labels.shape
    seen = np.zeros((h, w), dtype=bool)
    out = []
    for y0 in range(h):
        for x0 in range(w):
            if labels[y0, x0] == 0 or seen[y0, x0]:
                continue
            stack = [(y0, x0)]
            seen[y0, x0] = True
            pix = []
            while stack:
                y, x = stack.pop()
                pix.append((y, x))
                for dy in (-1, 0, 1):
                    for dx in (-1, 0, 1):
                        ny, nx = y + dy, x + dx
                        if 0 <= ny < h and 0 <= nx < w and not seen[ny, nx] and labels[ny, nx] != 0:
                            seen[ny, nx] = True
                            stack.append((ny, nx))
            if len(pix) < MIN_AREA:
                continue
            ys = np.array([p[0] for p in pix])
            xs = np.array([p[1] for p in pix])
            cls = np.bincount(labels[ys, xs]).argmax()
            out.append(Found(W.CLASS_NAMES[cls - 1], len(pix), float(xs.mean()), float(ys.mean())))
    return out


def decode(seg_logits, bg_logits):
    """seg_logits [1+C,64,64], bg_logits [colours+1] (numpy) -> (objects, background colour or None)."""
    labels = seg_logits.argmax(0)
    bg = int(bg_logits.argmax())
    colour = W.COLOURS[bg].name if bg < len(W.COLOURS) else None
    return components(labels), colour


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
