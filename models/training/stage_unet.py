"""Stage 4: the text-conditioned latent UNet (v-prediction, min-SNR weighting, EMA), trained on
latents of rendered scenes under the frozen CLIP text encoder and autoencoder."""

import copy
import math
import time

import torch

import common
import data
import diffusion
import nets

STAGE = "unet"


def load_frozen():
    """The trained text encoder and autoencoder, and the latent scaling factor."""
    ck = torch.load(common.work_path("clip.pt"))
    clip = nets.Clip(ck["cfg"])
    clip.load_state_dict(ck["model"])
    ck = torch.load(common.work_path("vae.pt"))
    ae = nets.AutoEncoder(ck["cfg"])
    ae.load_state_dict(ck["model"])
    for m in (clip, ae):
        m.eval().requires_grad_(False)
    return clip.text, ae


def scaling_factor(ae, batches, n=8):
    with torch.no_grad():
        z = torch.cat([ae.encoder(batches.images(batches.scenes(64))) for _ in range(n)])
    return float(1.0 / z.std())


def v_prediction_loss(model, z, ctx, t, noise, ac, x0_weight, pixel_weight=1.0):
    """The v-prediction loss of clean latents `z` noised to timesteps `t`, weighted per sample by
    `x0_weight(snr)` on the clean-latent error (min-SNR: snr.clamp(max=gamma)). The v error is the
    clean-latent error over sigma, so that weight divided by SNR + 1 weights the v error."""
    a = ac[t][:, None, None, None]
    noisy = a.sqrt() * z + (1 - a).sqrt() * noise
    v_target = a.sqrt() * noise - (1 - a).sqrt() * z
    pred = model(noisy, t.float(), ctx)
    snr = ac[t] / (1 - ac[t])
    weight = x0_weight(snr) / (snr + 1)
    return (weight * (pixel_weight * (pred - v_target).pow(2)).mean((1, 2, 3))).mean()


def train(seed, steps, batch=32, lr=3e-4, snr_gamma=5.0, ema_decay=0.999):
    common.set_threads()
    common.seed_everything(seed)
    text, ae = load_frozen()
    tok = data.load_tokenizer()
    cfg = dict(nets.CONFIG["unet"], ctx_dim=text.proj.in_features)
    model = nets.UNet(cfg)
    ema = copy.deepcopy(model).requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    ckpt_path = common.work_path("unet.pt")
    start = warm_from = 0
    batches = data.SceneBatches(seed * 1000, tok, text_len=77)
    try:
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["model"]), ema.load_state_dict(ck["ema"])
        start, scale = ck["step"], ck["scaling_factor"]
        if "opt" in ck:
            opt.load_state_dict(ck["opt"])
        else:   # weights rebuilt from the shipped ONNX (import_onnx.py): a fresh optimizer warms up again
            warm_from = start
        batches = data.SceneBatches(seed * 1000 + start, tok, text_len=77)
        common.log(STAGE, f"resuming at step {start}{'' if 'opt' in ck else ' from imported weights'}")
    except FileNotFoundError:
        scale = scaling_factor(ae, batches)
    common.log(STAGE, f"latent scaling factor {scale:.4f}, {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params")
    ac = diffusion.alphas_cumprod()
    gen = torch.Generator().manual_seed(seed + start)
    t0 = time.time()
    for step in range(start, steps):
        scenes = batches.scenes(batch)
        with torch.no_grad():
            z = ae.encoder(batches.images(scenes)) * scale
            ctx, _, _ = text(batches.tokens(batches.captions(scenes, p_canonical=0.5, dropout=0.1)))
        t = torch.randint(0, 1000, (batch,), generator=gen)
        noise = torch.randn(z.shape, generator=gen)
        loss = v_prediction_loss(model, z, ctx, t, noise, ac, lambda snr: snr.clamp(max=snr_gamma))
        warm = min(1.0, (step - warm_from + 1) / 200)
        for g in opt.param_groups:
            g["lr"] = lr * warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        decay = min(ema_decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm, alpha=1 - decay)
        if step % 50 == 0 or step == steps - 1:
            common.log(STAGE, f"step {step}/{steps} loss {loss.item():.4f} "
                              f"{(time.time() - t0) / (step - start + 1):.2f}s/step")
        if (step + 1) % 250 == 0 or step == steps - 1:
            common.save_atomic({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                                "step": step + 1, "cfg": cfg, "scaling_factor": scale}, ckpt_path)
    return ema, scale


if __name__ == "__main__":
    import sys
    train(int(sys.argv[1]) if len(sys.argv) > 1 else 3, int(sys.argv[2]) if len(sys.argv) > 2 else 6000)
