"""The denoiser's visual memory: every concept's sprite, per size and sub-cell phase, as latent patterns.

A scene object is drawn with its sprite's centre pixel (the anchor) at some pixel of the 64x64 image.
In the 16x16 latent that pixel is a cell and a phase (its offset 0..3 inside the cell, per axis), and the
cell encoder (nets.CellEncoder) maps the sprite to the same latent pattern wherever the anchor falls in
that phase. So the memory holds, for each concept x size x phase, the KxK latent window around the
anchor cell (the sprite encoded over grey, minus the encoding of grey, so empty cells are zero) and the
sprite's coverage of each cell (alpha, 0..1). Pasting a pattern at a cell reproduces the object's latent
exactly inside its footprint; only the border cells, which mix with the background, are approximate.

The denoiser (memory_dit.py) predicts where anchors are and which concept each is; `paste` turns those
probabilities into a template latent, all inside the exported graph, so the ONNX inputs and outputs stay
Stable Diffusion's and the C# side needs no change."""

import numpy as np
import torch
import torch.nn.functional as F

import world as W
import scene as S

SIZES = list(W.SIZES)            # small, medium, large
PHASES = 16                      # 4x4 anchor offsets inside a latent cell
ANCHOR_CLASSES = len(SIZES) * PHASES   # per cell: none, or one of these (class index + 1)
KERNEL = 11                      # latent cells per side of a pattern window (a 34-pixel sprite spans 10)
HALF = KERNEL // 2
CELL = 4                         # pixels per latent cell
GREY = 128


def anchor(renderer, item):
    """The pixel (x, y) of an item's sprite centre as the renderer draws it."""
    s = renderer.sprite(item.concept, W.SIZE_PIXELS[item.size])
    x0, y0 = S._top_left(item, s)
    ax, ay = x0 + s.size[0] // 2, y0 + s.size[1] // 2
    return min(W.IMAGE_SIZE - 1, max(0, ax)), min(W.IMAGE_SIZE - 1, max(0, ay))


def anchor_class(size, ax, ay):
    """The cell (cx, cy) an anchor falls in and its class 1..ANCHOR_CLASSES (0 is no anchor)."""
    return ax // CELL, ay // CELL, 1 + SIZES.index(size) * PHASES + (ay % CELL) * CELL + (ax % CELL)


@torch.no_grad()
def build(renderer, encoder, scale):
    """The memory bank, float32 [concepts, sizes*phases, latent+1, KERNEL, KERNEL]: the scaled latent
    pattern of each sprite (minus grey's) and its per-cell coverage in the last channel."""
    side = KERNEL * CELL
    grey = torch.full((1, 3, side, side), GREY / 127.5 - 1.0)
    grey_latent = encoder(grey)
    patterns = []
    for concept in W.CLASS_NAMES:
        canvases, alphas = [], []
        for size in SIZES:
            sprite = renderer.sprite(concept, W.SIZE_PIXELS[size])
            rgba = np.asarray(sprite).astype(np.float32) / 255.0
            w, h = sprite.size
            for py in range(CELL):
                for px in range(CELL):
                    x0, y0 = HALF * CELL + px - w // 2, HALF * CELL + py - h // 2
                    alpha = np.zeros((side, side), np.float32)
                    colour = np.zeros((side, side, 3), np.float32)
                    alpha[y0:y0 + h, x0:x0 + w] = rgba[..., 3]
                    colour[y0:y0 + h, x0:x0 + w] = rgba[..., :3]
                    a = alpha[..., None]
                    canvases.append(colour * a + (GREY / 255.0) * (1 - a))
                    alphas.append(alpha)
        x = torch.from_numpy(np.stack(canvases)).permute(0, 3, 1, 2) * 2 - 1
        latent = (encoder(x) - grey_latent) * scale
        cover = F.avg_pool2d(torch.from_numpy(np.stack(alphas))[:, None], CELL)
        patterns.append(torch.cat([latent, cover], 1))
    return torch.stack(patterns)


def scatter_weight(channels):
    """ConvTranspose weight that writes patch value (c, i, j) at offset (i-HALF, j-HALF) of channel c:
    [channels*KERNEL^2, 1, KERNEL, KERNEL] for groups=channels."""
    k2 = KERNEL * KERNEL
    w = torch.zeros(channels * k2, 1, KERNEL, KERNEL)
    idx = torch.arange(k2)
    for c in range(channels):
        w[c * k2 + idx, 0, idx // KERNEL, idx % KERNEL] = 1.0
    return w


def paste(anchors, concept_probs, patterns, scatter):
    """The template latent [B, C+1, H, W] (pattern channels, coverage last).

    anchors: [B, sizes*phases, H, W] probability that a cell holds an anchor of that size and phase;
    concept_probs: [B, K, H, W] which of the K candidate concepts an anchor there would be;
    patterns: [B, K, sizes*phases, C+1, KERNEL, KERNEL] the candidates' memory entries;
    scatter: scatter_weight(C+1)."""
    b, sp, h, w = anchors.shape
    k = concept_probs.shape[1]
    channels = patterns.shape[3]
    u = (concept_probs[:, :, None] * anchors[:, None]).reshape(b, k * sp, h * w)
    kernels = patterns.reshape(b, k * sp, channels * KERNEL * KERNEL).transpose(1, 2)
    # patches [B, channels*KERNEL^2, cells]: each cell's expected pattern, laid out as fold/col2im wants
    if torch.onnx.is_in_onnx_export():   # opset 17 has no Col2Im: the same scatter as a grouped ConvTranspose
        patches = torch.bmm(kernels, u).reshape(b, channels * KERNEL * KERNEL, h, w)
        return F.conv_transpose2d(patches, scatter, groups=channels, padding=HALF)
    # PyTorch's CPU bmm is 2.5x slower than one matrix product per sample, and fold 10x slower on a
    # transposed view than on this layout
    patches = torch.stack([kk @ uu for kk, uu in zip(kernels, u)])
    return F.fold(patches, (h, w), KERNEL, padding=HALF)
