"""The architectures of the model family. Sizes are set in CONFIG at the bottom."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# --- shared pieces -----------------------------------------------------------------------------

class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb=None, groups=8):
        super().__init__()
        self.n1 = nn.GroupNorm(groups, cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.n2 = nn.GroupNorm(groups, cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.t = nn.Linear(temb, cout) if temb else None
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, t=None):
        h = self.c1(F.silu(self.n1(x)))
        if self.t is not None:
            h = h + self.t(F.silu(t))[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


class Attention(nn.Module):
    """Multi-head attention written with plain matmuls so that it exports cleanly to ONNX."""

    def __init__(self, dim, heads, kv_dim=None):
        super().__init__()
        kv_dim = kv_dim or dim
        self.h = heads
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(kv_dim, dim, bias=False)
        self.v = nn.Linear(kv_dim, dim, bias=False)
        self.o = nn.Linear(dim, dim)

    def forward(self, x, ctx=None, mask=None):
        ctx = x if ctx is None else ctx
        b, n, d = x.shape
        m = ctx.shape[1]
        hd = d // self.h
        q = self.q(x).reshape(b, n, self.h, hd).transpose(1, 2)
        k = self.k(ctx).reshape(b, m, self.h, hd).transpose(1, 2)
        v = self.v(ctx).reshape(b, m, self.h, hd).transpose(1, 2)
        a = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
        if mask is not None:
            a = a + mask
        a = a.softmax(-1)
        return self.o(torch.matmul(a, v).transpose(1, 2).reshape(b, n, d))


# --- CLIP ------------------------------------------------------------------------------------

class TextBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = Attention(d, heads)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        x = x + self.attn(self.ln1(x), mask=mask)
        return x + self.mlp(self.ln2(x))


class TextEncoder(nn.Module):
    """CLIP's text transformer: causal, pooled at the EOS token (the highest id, found by argmax)."""

    def __init__(self, vocab, d, layers, heads, embed, context=77):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(context, d) * 0.01)
        self.blocks = nn.ModuleList(TextBlock(d, heads) for _ in range(layers))
        self.ln = nn.LayerNorm(d)
        self.proj = nn.Linear(d, embed, bias=False)
        self.register_buffer("causal", torch.full((context, context), float("-inf")).triu(1), persistent=False)

    def forward(self, ids):
        n = ids.shape[1]
        x = self.tok(ids) + self.pos[:n]
        mask = self.causal[:n, :n]
        for b in self.blocks:
            x = b(x, mask)
        hidden = self.ln(x)
        eos = ids.argmax(-1)
        pooled = hidden[torch.arange(ids.shape[0]), eos]
        return hidden, pooled, self.proj(pooled)


class ImageEncoder(nn.Module):
    def __init__(self, embed, width=32):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            nn.Conv2d(3, w, 3, 2, 1), ResBlock(w, w),                    # 32x32
            nn.Conv2d(w, 2 * w, 3, 2, 1), ResBlock(2 * w, 2 * w),        # 16x16
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1), ResBlock(4 * w, 4 * w),    # 8x8
            nn.Conv2d(4 * w, 6 * w, 3, 2, 1), ResBlock(6 * w, 6 * w),    # 4x4
            nn.GroupNorm(8, 6 * w), nn.SiLU())
        self.proj = nn.Linear(6 * w * 16, embed)

    def forward(self, pixels):
        return self.proj(self.net(pixels).flatten(1))


class Clip(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.text = TextEncoder(cfg["vocab"], cfg["d"], cfg["layers"], cfg["heads"], cfg["embed"])
        self.image = ImageEncoder(cfg["embed"], cfg["image_width"])
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))


# --- autoencoder -------------------------------------------------------------------------------

class Encoder(nn.Module):
    """64x64x3 -> 16x16x4 after a 4x pixel-unshuffle, so all the work happens at 16x16."""

    def __init__(self, ch, latent):
        super().__init__()
        self.inp = nn.Conv2d(48, ch, 3, padding=1)
        self.blocks = nn.Sequential(ResBlock(ch, ch), ResBlock(ch, ch))
        self.out = nn.Sequential(nn.GroupNorm(8, ch), nn.SiLU(), nn.Conv2d(ch, latent, 3, padding=1))

    def forward(self, x):
        return self.out(self.blocks(self.inp(F.pixel_unshuffle(x, 4))))


class CellEncoder(nn.Module):
    """64x64x3 -> 16x16xC in which each latent cell is a function of its own 4x4 pixel block alone
    (1x1 convolutions after the pixel unshuffle). Inside an object's footprint its latent then does not
    depend on the background or the neighbours, so a sprite pasted from the denoiser's memory bank
    (sprite_memory.py) is exactly what the encoder would give there; only the cells on its border mix."""

    def __init__(self, hidden, latent):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(48, hidden, 1), nn.SiLU(), nn.Conv2d(hidden, hidden, 1), nn.SiLU(),
                                 nn.Conv2d(hidden, latent, 1))

    def forward(self, x):
        return self.net(F.pixel_unshuffle(x, 4))


class Decoder(nn.Module):
    def __init__(self, ch, latent, blocks=3, refine=24):
        super().__init__()
        self.inp = nn.Conv2d(latent, ch, 3, padding=1)
        self.blocks = nn.Sequential(*[ResBlock(ch, ch) for _ in range(blocks)])
        self.out = nn.Sequential(nn.GroupNorm(8, ch), nn.SiLU(), nn.Conv2d(ch, 48, 3, padding=1))
        # a light full-resolution refinement to sharpen edges after the shuffle
        self.refine = nn.Sequential(nn.Conv2d(3, refine, 3, padding=1), nn.SiLU(), nn.Conv2d(refine, 3, 3, padding=1))

    def forward(self, z):
        x = F.pixel_shuffle(self.out(self.blocks(self.inp(z))), 4)
        return x + self.refine(x)


class AutoEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        if cfg.get("encoder") == "cell":
            self.encoder = CellEncoder(cfg["enc_hidden"], cfg["latent"])
        else:   # the first family's encoder: convolutions at 16x16, each cell sees its neighbours' pixels
            self.encoder = Encoder(cfg["enc_ch"], cfg["latent"])
        self.decoder = Decoder(cfg["dec_ch"], cfg["latent"], cfg["dec_blocks"], cfg.get("refine", 24))


# --- UNet ---------------------------------------------------------------------------------------

def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], -1)


class SpatialTransformer(nn.Module):
    """Self-attention, cross-attention on the text states and a feed-forward; `light` keeps only the
    cross-attention (used at the full 16x16 latent resolution, where the rest costs too much)."""

    def __init__(self, c, ctx_dim, heads=4, light=False, tokens=0):
        super().__init__()
        self.norm = nn.GroupNorm(8, c)
        self.proj_in = nn.Linear(c, c)
        # learned position of each token (zero at first), so a query knows where it is, not only what the
        # noisy picture shows there; 0 tokens: none (the shipped UNet)
        self.pos = nn.Parameter(torch.zeros(1, tokens, c)) if tokens else None
        self.self_attn = None if light else Attention(c, heads)
        self.ln1 = None if light else nn.LayerNorm(c)
        self.ln2 = nn.LayerNorm(c)
        self.cross = Attention(c, heads, ctx_dim)
        self.ln3 = None if light else nn.LayerNorm(c)
        self.ff = None if light else nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))
        self.proj_out = nn.Linear(c, c)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        t = self.proj_in(self.norm(x).flatten(2).transpose(1, 2))
        if self.pos is not None:
            t = t + self.pos
        if self.self_attn is not None:
            t = t + self.self_attn(self.ln1(t))
        t = t + self.cross(self.ln2(t), ctx)
        if self.ff is not None:
            t = t + self.ff(self.ln3(t))
        return x + self.proj_out(t).transpose(1, 2).reshape(b, c, h, w)


class UNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ch = cfg["channels"]         # per level, e.g. [64, 96, 128]
        self.channels = list(ch)
        ctx = cfg["ctx_dim"]
        temb = cfg["temb"]
        # position embeddings tie the UNet to one latent size (cfg "latent_size", e.g. 16)
        tokens = (lambda level: (cfg["latent_size"] >> level) ** 2) if cfg.get("pos_embed") else (lambda level: 0)
        self.temb_dim = temb
        self.time = nn.Sequential(nn.Linear(temb, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.pool_proj = nn.Linear(ctx, temb)   # global conditioning from the mean text state
        self.inp = nn.Conv2d(cfg["latent"], ch[0], 3, padding=1)
        self.down_res = nn.ModuleList()
        self.down_attn = nn.ModuleList()
        self.downs = nn.ModuleList()
        cin = ch[0]
        for i, c in enumerate(ch):
            self.down_res.append(ResBlock(cin, c, temb))
            self.down_attn.append(SpatialTransformer(c, ctx, light=i == 0, tokens=tokens(i)))
            cin = c
            if i < len(ch) - 1:
                self.downs.append(nn.Conv2d(c, c, 3, 2, 1))
        self.mid1 = ResBlock(cin, cin, temb)
        self.mid_attn = SpatialTransformer(cin, ctx, tokens=tokens(len(ch) - 1))
        self.mid2 = ResBlock(cin, cin, temb)
        self.up_res = nn.ModuleList()
        self.up_attn = nn.ModuleList()
        self.ups = nn.ModuleList()
        for i, c in reversed(list(enumerate(ch))):
            self.up_res.append(ResBlock(cin + c, c, temb))
            self.up_attn.append(SpatialTransformer(c, ctx, light=i == 0, tokens=tokens(i)))
            cin = c
            if i > 0:
                self.ups.append(nn.Conv2d(c, c, 3, padding=1))
        self.out = nn.Sequential(nn.GroupNorm(8, cin), nn.SiLU(), nn.Conv2d(cin, cfg["latent"], 3, padding=1))

    def forward(self, sample, timestep, encoder_hidden_states):
        t = self.time(timestep_embedding(timestep, self.temb_dim))
        t = t + self.pool_proj(encoder_hidden_states.mean(1))
        x = self.inp(sample)
        skips = []
        for i, (res, attn) in enumerate(zip(self.down_res, self.down_attn)):
            x = attn(res(x, t), encoder_hidden_states)
            skips.append(x)
            if i < len(self.downs):
                x = self.downs[i](x)
        x = self.mid2(self.mid_attn(self.mid1(x, t), encoder_hidden_states), t)
        for j, (res, attn) in enumerate(zip(self.up_res, self.up_attn)):
            x = attn(res(torch.cat([x, skips.pop()], 1), t), encoder_hidden_states)
            if j < len(self.ups):
                x = self.ups[j](F.interpolate(x, scale_factor=2.0, mode="nearest"))
        return self.out(x)


# --- LLM --------------------------------------------------------------------------------------

class GptBlock(nn.Module):
    """Names follow docs/model-layout.md's safetensors layout."""

    def __init__(self, d, heads, ff):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(d)
        self.q_proj, self.k_proj, self.v_proj, self.o_proj = (nn.Linear(d, d) for _ in range(4))
        self.ln_2 = nn.LayerNorm(d)
        self.fc_in = nn.Linear(d, ff)
        self.fc_out = nn.Linear(ff, d)

    def forward(self, x, mask):
        b, n, d = x.shape
        hd = d // self.heads
        h = self.ln_1(x)
        q = self.q_proj(h).reshape(b, n, self.heads, hd).transpose(1, 2)
        k = self.k_proj(h).reshape(b, n, self.heads, hd).transpose(1, 2)
        v = self.v_proj(h).reshape(b, n, self.heads, hd).transpose(1, 2)
        a = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
        x = x + self.o_proj((a.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.fc_out(F.gelu(self.fc_in(self.ln_2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["d_model"]
        self.wte = nn.Embedding(cfg["vocab_size"], d)
        self.wpe = nn.Embedding(cfg["max_position_embeddings"], d)
        self.h = nn.ModuleList(GptBlock(d, cfg["n_head"], cfg["d_ff"]) for _ in range(cfg["n_layer"]))
        self.ln_f = nn.LayerNorm(d)
        nn.init.normal_(self.wte.weight, std=0.02)
        nn.init.normal_(self.wpe.weight, std=0.01)

    def forward(self, ids):
        n = ids.shape[1]
        x = self.wte(ids) + self.wpe(torch.arange(n))
        mask = torch.full((n, n), float("-inf")).triu(1)
        for b in self.h:
            x = b(x, mask)
        return self.ln_f(x) @ self.wte.weight.t()


# --- judge ------------------------------------------------------------------------------------

def _conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU())


class JudgeSegmenter(nn.Module):
    """The judge's first step (its own design, data and seed, independent of the CLIP): background
    segmentation (object pixels vs background), object centres as a heatmap with each object's size
    (CenterNet-style, so touching objects stay apart), and the background's colour (last class:
    unrecognisable). Works at 32x32 after a stride-2 stem and upsamples its maps back to 64x64."""

    def __init__(self, colours, w=24):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, w, 3, 2, 1), nn.BatchNorm2d(w), nn.ReLU())   # 32
        self.e1 = _conv_block(w, w)            # 32
        self.e2 = _conv_block(w, 2 * w)        # 16
        self.e3 = _conv_block(2 * w, 4 * w)    # 8
        self.d2 = _conv_block(6 * w, 2 * w)
        self.d1 = _conv_block(3 * w, w)
        self.head = nn.Conv2d(w, 5, 1)         # 2 segmentation logits, 1 centre logit, 2 sizes
        self.bg = nn.Sequential(nn.Linear(4 * w + 6, 128), nn.ReLU(), nn.Linear(128, colours + 1))

    def forward(self, pixel_values):
        x1 = self.e1(self.stem(pixel_values))
        x2 = self.e2(F.max_pool2d(x1, 2))
        x3 = self.e3(F.max_pool2d(x2, 2))
        u2 = self.d2(torch.cat([F.interpolate(x3, scale_factor=2.0), x2], 1))
        u1 = self.d1(torch.cat([F.interpolate(u2, scale_factor=2.0), x1], 1))
        maps = F.interpolate(self.head(u1), scale_factor=2.0, mode="bilinear", align_corners=False)
        border = torch.cat([pixel_values[:, :, :2, :].flatten(2), pixel_values[:, :, -2:, :].flatten(2)], 2)
        stats = torch.cat([border.mean(2), border.std(2)], 1)
        bg = self.bg(torch.cat([x3.mean((2, 3)), stats], 1))
        return maps[:, :2], maps[:, 2:3], maps[:, 3:5], bg


class JudgeClassifier(nn.Module):
    """The judge's second step: the class of one object from a 32x32 crop around its segment
    (class 0: no object, e.g. a speck of noise)."""

    def __init__(self, classes, w=32):
        super().__init__()
        self.net = nn.Sequential(
            _conv_block(3, w), nn.MaxPool2d(2),            # 16
            _conv_block(w, 2 * w), nn.MaxPool2d(2),        # 8
            _conv_block(2 * w, 4 * w), nn.MaxPool2d(2),    # 4
            nn.Flatten(), nn.Dropout(0.2), nn.Linear(4 * w * 16, classes + 1))

    def forward(self, crops):
        return self.net(crops)


CONFIG = {
    "clip": {"vocab": 4096, "d": 192, "layers": 4, "heads": 4, "embed": 128, "image_width": 24},
    "vae": {"encoder": "cell", "enc_hidden": 192, "dec_ch": 128, "dec_blocks": 4, "latent": 8, "refine": 32},
    "unet": {"channels": [64, 96, 128], "ctx_dim": 192, "temb": 256, "latent": 4},
    "llm": {"vocab_size": 4096, "n_layer": 4, "n_head": 4, "d_model": 192, "d_ff": 768,
            "max_position_embeddings": 128},
}
