"""Experiment (not part of the family): a coarse, deep latent (8x8x16) instead of 16x16x4, so an object's
identity can be a per-position code that cross-attention writes from the object's token. MODEL_CARD.md
("The coarse, deep latent") has what it measured. Checkpoints go to .work/coarse-latent/.

usage (Debian's interpreter, from models/training):
  /usr/bin/python3 experiments/coarse_latent.py ae STEPS      # autoencoder; RESUME=1 continues the saved one
  /usr/bin/python3 experiments/coarse_latent.py rt N          # its round trip, judged on N single-object prompts
  /usr/bin/python3 experiments/coarse_latent.py unet STEPS    # UNet on the frozen encoder's latents
  /usr/bin/python3 experiments/coarse_latent.py eval N        # references, round trip, from noise on N prompts per kind"""
import copy, math, os, random, sys, time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
import common, data, diffusion, evalset, evaluate, export, nets, stage_vae
import prompts as P, scene as S
W = os.path.join(common.WORK_DIR, "coarse-latent"); os.makedirs(W, exist_ok=True)
LAT = 16

class Enc(nn.Module):
    def __init__(s, ch=96):
        super().__init__()
        s.inp = nn.Conv2d(48, ch, 3, padding=1); s.b1 = nets.ResBlock(ch, ch)
        s.down = nn.Conv2d(ch, 128, 3, 2, 1); s.b2 = nn.Sequential(nets.ResBlock(128, 128), nets.ResBlock(128, 128))
        s.out = nn.Sequential(nn.GroupNorm(8, 128), nn.SiLU(), nn.Conv2d(128, LAT, 3, padding=1))
    def forward(s, x):
        return s.out(s.b2(s.down(s.b1(s.inp(F.pixel_unshuffle(x, 4))))))

class Dec(nn.Module):
    def __init__(s, ch=128):
        super().__init__()
        s.inp = nn.Conv2d(LAT, ch, 3, padding=1); s.b1 = nn.Sequential(nets.ResBlock(ch, ch), nets.ResBlock(ch, ch))
        s.up = nn.Conv2d(ch, ch, 3, padding=1); s.b2 = nn.Sequential(nets.ResBlock(ch, ch), nets.ResBlock(ch, ch))
        s.out = nn.Sequential(nn.GroupNorm(8, ch), nn.SiLU(), nn.Conv2d(ch, 48, 3, padding=1))
        s.refine = nn.Sequential(nn.Conv2d(3, 24, 3, padding=1), nn.SiLU(), nn.Conv2d(24, 3, 3, padding=1))
    def forward(s, z):
        h = s.b1(s.inp(z)); h = s.b2(s.up(F.interpolate(h, scale_factor=2.0, mode="nearest")))
        x = F.pixel_shuffle(s.out(h), 4); return x + s.refine(x)

class AE(nn.Module):
    def __init__(s):
        super().__init__(); s.encoder = Enc(); s.decoder = Dec()

def train_ae(steps, batch=32, lr=1e-3):
    common.set_threads(); common.seed_everything(82)
    m = AE()
    if os.path.exists(W + "/ae8.pt") and os.environ.get("RESUME"):
        m.load_state_dict(torch.load(W + "/ae8.pt")); print("[ae8] resumed", flush=True)
    opt = torch.optim.AdamW(m.parameters(), lr=lr, weight_decay=0.0)
    b = data.SceneBatches(82000); t0 = time.time()
    for step in range(steps):
        x = b.images(b.scenes(batch)); z = m.encoder(x)
        zn = z + 0.1 * z.detach().std() * torch.randn_like(z)
        loss, l1 = stage_vae.loss_fn(m.decoder(zn), x); loss = loss + 1e-4 * z.pow(2).mean()
        for g in opt.param_groups: g["lr"] = lr * min(1, (step + 1) / 100) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
        if (step + 1) % 250 == 0: torch.save(m.state_dict(), W + "/ae8.pt")
        if step % 50 == 0: print(f"[ae8] {step}/{steps} l1 {l1.item():.4f} {(time.time()-t0)/(step+1):.2f}s/step", flush=True)
    torch.save(m.state_dict(), W + "/ae8.pt"); return m

def load_ae():
    m = AE(); m.load_state_dict(torch.load(W + "/ae8.pt")); return m.eval().requires_grad_(False)

def unet_cfg():
    return {"channels": [128, 192], "ctx_dim": 192, "temb": 256, "latent": LAT}

class UNet8(nets.UNet):
    """nets.UNet with full transformers at every level (8x8 is cheap)."""
    def __init__(s, cfg):
        super().__init__(cfg)
        s.down_attn[0] = nets.SpatialTransformer(cfg["channels"][0], cfg["ctx_dim"])
        s.up_attn[-1] = nets.SpatialTransformer(cfg["channels"][0], cfg["ctx_dim"])

def train_unet(steps, batch=32, lr=3e-4, snr_gamma=5.0):
    common.set_threads(); common.seed_everything(83)
    clip, _, _, _ = export.load_checkpoints(); text = clip.text; ae = load_ae()
    tok = data.load_tokenizer(); b = data.SceneBatches(83000, tok, text_len=77)
    with torch.no_grad(): scale = float(1 / torch.cat([ae.encoder(b.images(b.scenes(64))) for _ in range(4)]).std())
    model = UNet8(unet_cfg()); ema = copy.deepcopy(model).requires_grad_(False)
    print(f"[unet8] scale {scale:.3f}, {sum(p.numel() for p in model.parameters())/1e6:.2f}M params", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    ac = diffusion.alphas_cumprod(); gen = torch.Generator().manual_seed(83); t0 = time.time()
    for step in range(steps):
        sc = b.scenes(batch)
        with torch.no_grad():
            z = ae.encoder(b.images(sc)) * scale
            ctx, _, _ = text(b.tokens(b.captions(sc, p_canonical=0.5, dropout=0.1)))
        t = torch.randint(0, 1000, (batch,), generator=gen); noise = torch.randn(z.shape, generator=gen)
        a = ac[t][:, None, None, None]; noisy = a.sqrt() * z + (1 - a).sqrt() * noise
        v = a.sqrt() * noise - (1 - a).sqrt() * z
        pred = model(noisy, t.float(), ctx); snr = ac[t] / (1 - ac[t]); w = snr.clamp(max=snr_gamma) / (snr + 1)
        loss = (w * (pred - v).pow(2).mean((1, 2, 3))).mean()
        for g in opt.param_groups: g["lr"] = lr * min(1, (step + 1) / 200) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
        d = min(0.999, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()): pe.mul_(d).add_(pm, alpha=1 - d)
        if step % 50 == 0: print(f"[unet8] {step}/{steps} loss {loss.item():.4f} {(time.time()-t0)/(step+1):.2f}s/step", flush=True)
        if (step + 1) % 500 == 0 or step == steps - 1:
            torch.save({"ema": ema.state_dict(), "scale": scale, "step": step + 1}, W + "/unet8.pt")

@torch.no_grad()
def evaluate8(n, kinds=("single_object",)):
    common.set_threads()
    clip, _, _, _ = export.load_checkpoints(); ae = load_ae(); tok = data.load_tokenizer()
    ck = torch.load(W + "/unet8.pt"); unet = UNet8(unet_cfg()); unet.load_state_dict(ck["ema"]); unet.eval(); scale = ck["scale"]
    judge = evaluate.load_judge(); r = S.Renderer(); out = {}
    for kind in kinds:
        items = [(c, s) for c, s in evalset.scenes() if c == kind][:n]
        cats, scenes = [c for c, _ in items], [s for _, s in items]
        x = torch.from_numpy(np.stack([r.render(s, random.Random(i)) for i, s in enumerate(scenes)])).permute(0, 3, 1, 2).float() / 127.5 - 1
        dec = lambda zz: ((ae.decoder(zz / scale) + 1) / 2).clamp(0, 1)
        score = lambda im: evaluate.tally(cats, scenes, evaluate.judge_images(judge, im))[kind]
        z = ae.encoder(x) * scale
        cond = clip.text(torch.tensor([tok.encode_padded(P.canonical(s)) for s in scenes]))[0]
        unc = clip.text(torch.tensor([tok.encode_padded("")]))[0].expand(len(scenes), -1, -1)
        noise = torch.randn(z.shape, generator=torch.Generator().manual_seed(0))
        out[kind] = {"refs": score((x + 1) / 2), "round_trip": score(dec(z)),
                     "from_noise": score(dec(diffusion.ddim_sample(unet, noise, cond, unc, 50, 4.0)))}
        print(kind, out[kind], flush=True)
    return out

if __name__ == "__main__":
    what, n = sys.argv[1], int(sys.argv[2])
    if what == "rt":
        common.set_threads(); ae = load_ae(); judge = evaluate.load_judge(); r = S.Renderer()
        items = [(c, s) for c, s in evalset.scenes() if c == "single_object"][:n]
        cats, scenes = [c for c, _ in items], [s for _, s in items]
        x = torch.from_numpy(np.stack([r.render(s, random.Random(i)) for i, s in enumerate(scenes)])).permute(0, 3, 1, 2).float() / 127.5 - 1
        with torch.no_grad(): rt = ((ae.decoder(ae.encoder(x)) + 1) / 2).clamp(0, 1)
        print("round trip", evaluate.tally(cats, scenes, evaluate.judge_images(judge, rt))["single_object"], flush=True); sys.exit()
    {"ae": train_ae, "unet": train_unet}.get(what, lambda n: evaluate8(n, ("single_object", "position", "counting", "two_objects")))(n)
