"""Scene specifications of the emoji world, a seeded sampler for them, and the renderer.

A scene is a plain description (objects, sizes, places, background); prompts are written from it
(prompts.py) and pixels rendered from it here, so that a prompt and its image always agree."""

import os
import random
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFont

import world as W

FONT_PATH = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
GRID = (11, 32, 53)  # cell centres of the 3x3 layout grid used for multi-object scenes
# Sprites' top-left corners snap to this many pixels; the family trains unsnapped (1). With the
# autoencoder's 4x pixel unshuffle an object moved by one pixel has another latent pattern, and snapping to
# 4 leaves one pattern per object and size; SCENE_SNAP=4 tries that (MODEL_CARD.md has what it measured).
SNAP_PIXELS = int(os.environ.get("SCENE_SNAP", "1"))


@dataclass
class Item:
    concept: str
    size: str
    cx: float
    cy: float


@dataclass
class Scene:
    kind: str                      # single | count | relation | pair | triple
    items: list
    colour: str
    texture: str = "solid"
    position: str = None           # single: the absolute position the object was placed at
    relation: str = None           # relation: items[0] <relation> items[1]
    count: int = 1                 # count: how many copies of items[0].concept

    @property
    def concepts(self):
        return [it.concept for it in self.items]


def _jitter(rng, amount):
    return rng.uniform(-amount, amount)


def _place_single(rng, size, position):
    px = W.SIZE_PIXELS[size]
    margin = px / 2 + 1
    col, row = W.POSITIONS[position]
    lo, hi = margin, W.IMAGE_SIZE - margin

    def axis(v):
        base = {-1: lo + 1, 0: W.IMAGE_SIZE / 2, 1: hi - 1}[v]
        return min(hi, max(lo, base + _jitter(rng, 3 if size != "large" else 2)))
    return axis(col), axis(row)


def _cells(rng, n):
    cells = [(c, r) for c in range(3) for r in range(3)]
    rng.shuffle(cells)
    return cells[:n]


def _cell_xy(rng, cell):
    return GRID[cell[0]] + _jitter(rng, 1), GRID[cell[1]] + _jitter(rng, 1)


KIND_WEIGHTS = {"single": 0.36, "count": 0.2, "relation": 0.24, "pair": 0.12, "triple": 0.08}


def sample_scene(rng: random.Random, kind: str = None) -> Scene:
    """Draws a random scene; every attribute is drawn even if a prompt later leaves it unsaid."""
    kind = kind or rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    colour = rng.choice(W.COLOURS).name
    texture = "solid" if rng.random() < 0.7 else rng.choice(W.TEXTURES[1:])
    if kind == "single":
        concept = rng.choice(W.CONCEPTS).name
        size = rng.choice(W.SIZES)
        position = rng.choice(list(W.POSITIONS))
        cx, cy = _place_single(rng, size, position)
        return Scene(kind, [Item(concept, size, cx, cy)], colour, texture, position=position)
    if kind == "count":
        concept = rng.choice(W.CONCEPTS).name
        n = rng.choice((1, 2, 3))
        size = rng.choice(("small", "medium"))
        items = [Item(concept, size, *_cell_xy(rng, c)) for c in _cells(rng, n)]
        return Scene(kind, items, colour, texture, count=n)
    if kind == "relation":
        a, b = rng.sample(W.CONCEPTS, 2)
        relation = rng.choice(list(W.RELATIONS))
        dx, dy = W.RELATIONS[relation]
        span = rng.choice(((0, 2), (0, 1), (1, 2)))  # grid indices of the lower and higher object
        other = rng.randrange(3)
        if dx:  # horizontal relation, both in one row
            ca, cb = (span if dx < 0 else span[::-1])
            cell_a, cell_b = (ca, other), (cb, other)
        else:
            ra, rb = (span if dy < 0 else span[::-1])
            cell_a, cell_b = (other, ra), (other, rb)
        sa, sb = rng.choice(("small", "medium")), rng.choice(("small", "medium"))
        items = [Item(a.name, sa, *_cell_xy(rng, cell_a)), Item(b.name, sb, *_cell_xy(rng, cell_b))]
        return Scene(kind, items, colour, texture, relation=relation)
    n = 2 if kind == "pair" else 3
    concepts = rng.sample(W.CONCEPTS, n)
    items = [Item(c.name, rng.choice(("small", "medium")), *_cell_xy(rng, cell))
             for c, cell in zip(concepts, _cells(rng, n))]
    return Scene(kind, items, colour, texture)


def _top_left(item, sprite):
    x0 = int(round(item.cx - sprite.size[0] / 2))
    y0 = int(round(item.cy - sprite.size[1] / 2))
    if SNAP_PIXELS == 1:
        return x0, y0

    def snap(v, extent):
        highest = (W.IMAGE_SIZE - extent) // SNAP_PIXELS * SNAP_PIXELS
        return min(max(0, int(round(v / SNAP_PIXELS)) * SNAP_PIXELS), max(0, highest))
    return snap(x0, sprite.size[0]), snap(y0, sprite.size[1])


class Renderer:
    """Renders scenes to 64x64 RGB arrays (and per-pixel class labels for the judge)."""

    def __init__(self):
        self._font = ImageFont.truetype(FONT_PATH, 109)
        self._glyphs = {}   # concept -> RGBA image cropped to its bounding box, full resolution
        self._scaled = {}   # (concept, pixels) -> RGBA image
        self._opaque = {}   # (concept, pixels) -> bounding box of the opaque pixels in the sprite

    def _glyph(self, concept):
        g = self._glyphs.get(concept)
        if g is None:
            emoji = W.CONCEPT_BY_NAME[concept].emoji
            im = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
            ImageDraw.Draw(im).text((0, 0), emoji, font=self._font, embedded_color=True)
            g = im.crop(im.getbbox())
            self._glyphs[concept] = g
        return g

    def sprite(self, concept, pixels):
        key = (concept, pixels)
        s = self._scaled.get(key)
        if s is None:
            g = self._glyph(concept)
            scale = pixels / max(g.size)
            w, h = max(1, round(g.size[0] * scale)), max(1, round(g.size[1] * scale))
            s = g.resize((w, h), Image.LANCZOS)
            self._scaled[key] = s
        return s

    @staticmethod
    def background(colour, texture, rng=None):
        rgb = np.array(W.COLOUR_BY_NAME[colour].rgb, dtype=np.float32)
        size = W.IMAGE_SIZE
        img = np.empty((size, size, 3), dtype=np.float32)
        img[:] = rgb
        # the second tone of a texture: lighter for dark colours, darker for light ones
        light = rgb.mean() < 140
        other = rgb + (255 - rgb) * 0.45 if light else rgb * 0.6
        yy, xx = np.mgrid[0:size, 0:size]
        phase = rng.randrange(8) if rng else 0
        if texture == "striped":
            mask = ((xx + yy + phase) // 5) % 2 == 1
            img[mask] = other
        elif texture == "dotted":
            cx = (xx + phase) % 10 - 4.5
            cy = (yy + phase) % 10 - 4.5
            img[(cx * cx + cy * cy) <= 5.5] = other
        elif texture == "gradient":
            t = (yy / (size - 1))[..., None]
            img = rgb * (1 - t) + other * t
        return img

    def instance_boxes(self, scene: Scene):
        """Per object: (class id, x0, y0, x1, y1), the inclusive bounding box of its opaque pixels."""
        out = []
        for it in scene.items:
            s = self.sprite(it.concept, W.SIZE_PIXELS[it.size])
            x0, y0 = _top_left(it, s)
            key = (it.concept, W.SIZE_PIXELS[it.size])
            if key not in self._opaque:
                ys, xs = np.nonzero(np.asarray(s)[..., 3] > 110)
                self._opaque[key] = (xs.min(), ys.min(), xs.max(), ys.max()) if len(xs) else None
            if self._opaque[key] is None:
                continue
            ox0, oy0, ox1, oy1 = self._opaque[key]
            box = (max(0, x0 + ox0), max(0, y0 + oy0), min(W.IMAGE_SIZE - 1, x0 + ox1), min(W.IMAGE_SIZE - 1, y0 + oy1))
            out.append((W.CLASS_NAMES.index(it.concept) + 1,) + tuple(int(v) for v in box))
        return out

    def render(self, scene: Scene, rng: random.Random = None, with_labels=False):
        """Returns uint8 [64,64,3] (and int16 [64,64] labels: 0 background, i+1 class i)."""
        bg = self.background(scene.colour, scene.texture, rng)
        canvas = Image.fromarray(bg.clip(0, 255).astype(np.uint8), "RGB").convert("RGBA")
        labels = np.zeros((W.IMAGE_SIZE, W.IMAGE_SIZE), dtype=np.int16) if with_labels else None
        for it in scene.items:
            s = self.sprite(it.concept, W.SIZE_PIXELS[it.size])
            x0, y0 = _top_left(it, s)
            canvas.alpha_composite(s, (max(0, x0), max(0, y0)),
                                   (max(0, -x0), max(0, -y0)))
            if with_labels:
                a = np.asarray(s)[..., 3] > 110
                cls = W.CLASS_NAMES.index(it.concept) + 1
                ys, xs = np.nonzero(a)
                ys, xs = ys + y0, xs + x0
                ok = (ys >= 0) & (ys < W.IMAGE_SIZE) & (xs >= 0) & (xs < W.IMAGE_SIZE)
                labels[ys[ok], xs[ok]] = cls
        rgb = np.asarray(canvas.convert("RGB"))
        return (rgb, labels) if with_labels else rgb
