"""The denoiser: a diffusion transformer over 2x2 patches of the latent that reads a memory of sprites.

Stable Diffusion's interface: sample [B,C,16,16], timestep [B], encoder_hidden_states [B,77,D] -> v.
Inside, in one pass:
  1. the layout blocks (self-attention over the 64 patch tokens, cross-attention to the text states,
     AdaLN-Zero from timestep and pooled text) predict, per latent cell, whether an object's anchor is
     there (none, or size x phase) and which concept it is;
  2. K candidate concepts are picked from the layout's object mass and a reader of the prompt (per text
     token, 94 logits, max over tokens), and each cell's concept distribution is narrowed to them;
  3. sprite_memory.paste turns those probabilities into a template latent from the memory bank (a
     constant of the graph), and the template enters the token stream;
  4. the body blocks predict the clean latent as template + correction (backgrounds, borders, blending),
     returned as v for the DDIM scheduler.
Only the first `text_tokens` text states are read: the text encoder is causal, so they equal the full
run's, and every prompt the family was trained on fits in 22 tokens; words beyond are ignored."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import diffusion
import nets
import sprite_memory as M
import world as W


class PlainLayerNorm(nn.Module):
    """LayerNorm without a learned affine (AdaLN supplies it). Written with constant ones and zeros
    because PyTorch 1.13 exports nn.LayerNorm(elementwise_affine=False) as an invalid ONNX node."""

    def __init__(self, d):
        super().__init__()
        self.d = d
        self.register_buffer("one", torch.ones(d), persistent=False)
        self.register_buffer("zero", torch.zeros(d), persistent=False)

    def forward(self, x):
        return F.layer_norm(x, (self.d,), self.one, self.zero)


def modulate(x, shift, scale):
    return x * (1 + scale[:, None]) + shift[:, None]


class DiTBlock(nn.Module):
    """Self-attention, cross-attention on the text, feed-forward; each pre-normed, modulated and gated
    (AdaLN-Zero). The modulation comes from one projection of the conditioning shared by all blocks plus
    each block's own learned offsets (PixArt's adaLN-single: a third of the parameters of a projection per
    block); the gates start at zero, so a new block is the identity."""

    def __init__(self, d, heads, ctx_dim):
        super().__init__()
        self.n1 = PlainLayerNorm(d)
        self.attn = nets.Attention(d, heads)
        self.n2 = PlainLayerNorm(d)
        self.cross = nets.Attention(d, heads, ctx_dim)
        self.n3 = PlainLayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.offsets = nn.Parameter(torch.zeros(9 * d))

    def forward(self, x, mods, ctx):
        s1, m1, g1, s2, m2, g2, s3, m3, g3 = (mods + self.offsets).chunk(9, -1)
        x = x + g1[:, None] * self.attn(modulate(self.n1(x), s1, m1))
        x = x + g2[:, None] * self.cross(modulate(self.n2(x), s2, m2), ctx)
        return x + g3[:, None] * self.mlp(modulate(self.n3(x), s3, m3))


class MemoryDiT(nn.Module):
    def __init__(self, cfg, patterns=None):
        super().__init__()
        self.cfg = dict(cfg)
        c, d, p = cfg["latent"], cfg["width"], cfg["patch"]
        side = cfg["latent_size"]
        self.c, self.p, self.side, self.grid = c, p, side, side // p
        self.text_tokens = cfg["text_tokens"]
        self.k = cfg["candidates"]
        concepts = len(W.CLASS_NAMES)
        ctx = cfg["ctx_dim"]
        self.patch_in = nn.Linear(c * p * p, d)
        self.pos = nn.Parameter(torch.randn(1, self.grid * self.grid, d) * 0.02)
        self.time = nn.Sequential(nn.Linear(256, d), nn.SiLU(), nn.Linear(d, d))
        self.pool = nn.Linear(ctx, d)
        self.ada = nn.Linear(d, 9 * d)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)
        self.reader = nn.Sequential(nn.Linear(ctx, 256), nn.GELU(), nn.Linear(256, concepts))
        self.layout = nn.ModuleList(DiTBlock(d, cfg["heads"], ctx) for _ in range(cfg["layout_blocks"]))
        self.layout_norm = nn.LayerNorm(d)
        cd = cfg["concept_dim"]
        self.anchor_out = nn.Linear(d, p * p * (1 + M.ANCHOR_CLASSES))
        # a scene has one to three anchors among 256 cells: start with "none" that likely (logit +9 over
        # each of the 48 anchor classes), or the first templates would sum every pattern everywhere
        with torch.no_grad():
            self.anchor_out.bias.view(1 + M.ANCHOR_CLASSES, p * p)[0] = 9.0   # unpatchify order: (class, row, col)
        self.concept_out = nn.Linear(d, p * p * cd)
        self.concept_table = nn.Parameter(torch.randn(concepts, cd) * cd ** -0.5)
        self.memory_in = nn.Linear((c + 1) * p * p, d)
        self.body = nn.ModuleList(DiTBlock(d, cfg["heads"], ctx) for _ in range(cfg["body_blocks"]))
        self.final_norm = PlainLayerNorm(d)
        self.final_ada = nn.Linear(d, 2 * d)
        self.final = nn.Linear(d, c * p * p)
        for m in (self.final_ada, self.final):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)
        if patterns is None:
            patterns = torch.zeros(concepts, M.ANCHOR_CLASSES, c + 1, M.KERNEL, M.KERNEL)
        # fp16, as exported (half the file); gathered rows are widened to fp32
        self.register_buffer("patterns", patterns.half())
        self.register_buffer("scatter", M.scatter_weight(c + 1), persistent=False)
        self.register_buffer("alphas_cumprod", diffusion.alphas_cumprod(), persistent=False)

    # --- shapes ---------------------------------------------------------------------------------

    def patchify(self, x):
        b, ch = x.shape[:2]
        g, p = self.grid, self.p
        return x.reshape(b, ch, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(b, g * g, ch * p * p)

    def unpatchify(self, t, ch):
        b = t.shape[0]
        g, p = self.grid, self.p
        return t.reshape(b, g, g, ch, p, p).permute(0, 3, 1, 4, 2, 5).reshape(b, ch, g * p, g * p)

    # --- the parts --------------------------------------------------------------------------------

    def read_concepts(self, ctx):
        """Per prompt, how strongly each concept is named: logits [B, concepts]."""
        return self.reader(ctx).max(1).values

    def conditioning(self, timestep, ctx):
        """The conditioning vector [B, d] (timestep and mean text state) and the blocks' shared
        modulation [B, 9d]."""
        c = self.time(nets.timestep_embedding(timestep, 256)) + self.pool(ctx.mean(1))
        return c, self.ada(F.silu(c))

    def predict_layout(self, sample, cond, ctx):
        """Tokens after the layout blocks, and per cell the anchor logits [B, 1+classes, H, W] and the
        concept features [B, concept_dim, H, W]."""
        x = self.patch_in(self.patchify(sample)) + self.pos
        for blk in self.layout:
            x = blk(x, cond[1], ctx)
        h = self.layout_norm(x)
        anchor_logits = self.unpatchify(self.anchor_out(h), 1 + M.ANCHOR_CLASSES)
        features = self.unpatchify(self.concept_out(h), self.concept_table.shape[1])
        return x, anchor_logits, features

    def concept_logits(self, features, picks=None):
        """Per cell logits over all concepts [B, concepts, H, W], or over the picked ones [B, K, H, W]."""
        table = self.concept_table if picks is None else self.concept_table[picks]   # [N, cd] or [B, K, cd]
        if picks is None:
            return torch.einsum("bdhw,nd->bnhw", features, table)
        return torch.einsum("bdhw,bkd->bkhw", features, table)

    def template(self, anchor_probs, concept_probs, picks):
        """sprite_memory.paste with the picked concepts' memory entries."""
        return M.paste(anchor_probs, concept_probs, self.patterns[picks].float(), self.scatter)

    def candidates(self, ctx, anchor_probs, concept_logits):
        """The K concepts a template may draw [B, K]: those the layout puts the most object mass on
        (objectness x each cell's concept distribution, normalised) plus the reader's probability that
        the prompt names them. Either alone misses the second object of a pair at high noise now and
        then; together they name every object of the held-out prompts at every noise level."""
        objectness = anchor_probs.sum(1, keepdim=True)                            # [B,1,H,W]
        mass = (concept_logits.softmax(1) * objectness).sum((2, 3))              # [B, concepts]
        score = mass / mass.sum(1, keepdim=True).clamp(min=1e-6) + self.read_concepts(ctx).sigmoid()
        return score.topk(self.k, dim=1).indices

    def predicted_template(self, ctx, anchor_logits, features):
        anchor_probs = anchor_logits.softmax(1)[:, 1:]
        logits = self.concept_logits(features)                                    # [B, concepts, H, W]
        picks = self.candidates(ctx, anchor_probs, logits)
        picked = logits.gather(1, picks[:, :, None, None].expand(-1, -1, *logits.shape[2:]))
        concept_probs = (picked * self.cfg.get("concept_sharpness", 1.0)).softmax(1)
        return self.template(anchor_probs, concept_probs, picks)

    def denoise(self, sample, tokens, cond, ctx, template):
        """The clean-latent estimate from the layout tokens and a template."""
        x = tokens + self.memory_in(self.patchify(template))
        for blk in self.body:
            x = blk(x, cond[1], ctx)
        shift, scale = self.final_ada(F.silu(cond[0])).chunk(2, -1)
        out = self.unpatchify(self.final(modulate(self.final_norm(x), shift, scale)), self.c)
        return template[:, :self.c] + out

    def to_v(self, sample, timestep, x0):
        t = timestep.float().clamp(0, len(self.alphas_cumprod) - 1)
        lo = t.floor()
        frac = (t - lo)[:, None, None, None]
        lo = lo.long()
        hi = (lo + 1).clamp(max=len(self.alphas_cumprod) - 1)
        a = self.alphas_cumprod[lo][:, None, None, None] * (1 - frac) + self.alphas_cumprod[hi][:, None, None, None] * frac
        return (a.sqrt() * sample - x0) / (1 - a).sqrt()

    def forward(self, sample, timestep, encoder_hidden_states):
        ctx = encoder_hidden_states[:, :self.text_tokens]
        cond = self.conditioning(timestep, ctx)
        tokens, anchor_logits, features = self.predict_layout(sample, cond, ctx)
        template = self.predicted_template(ctx, anchor_logits, features)
        x0 = self.denoise(sample, tokens, cond, ctx, template)
        return self.to_v(sample, timestep, x0)


def flops_per_sample(model):
    """Multiply-adds x2 of one call per sample: linear layers, attention products, the paste."""
    total = 0

    def lin_hook(m, i, o):
        nonlocal total
        total += o.numel() // o.shape[0] * m.in_features

    hooks = [m.register_forward_hook(lin_hook) for m in model.modules() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        model(torch.zeros(1, model.c, model.side, model.side), torch.zeros(1), torch.zeros(1, 77, model.cfg["ctx_dim"]))
    for h in hooks:
        h.remove()
    tokens, d, n_ctx = model.grid ** 2, model.cfg["width"], model.text_tokens
    blocks = model.cfg["layout_blocks"] + model.cfg["body_blocks"]
    total += blocks * (2 * tokens * tokens * d + 2 * tokens * n_ctx * d)
    cells, ch = model.side ** 2, model.c + 1
    total += cells * model.k * M.ANCHOR_CLASSES * ch * M.KERNEL ** 2 + cells * ch * M.KERNEL ** 4
    return 2 * total


CONFIG = {"latent": 8, "latent_size": 16, "patch": 2, "width": 128, "heads": 4, "layout_blocks": 6, "body_blocks": 3,
          "concept_dim": 64, "candidates": 3, "text_tokens": 32, "ctx_dim": 192}
