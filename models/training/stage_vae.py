"""Stage 3: the autoencoder between 64x64x3 images and 16x16x8 latents (nets.CellEncoder: each latent cell
encodes its own 4x4 pixel block). The shipped encoder stopped at step 1,500 of a 3,000-step schedule
(`stage_vae.py 12 1500 3000`) and its decoder went on alone (stage_decoder.py)."""

import math
import time

import torch
import torch.nn.functional as F

import common
import data
import nets

STAGE = "vae"


def edges(x):
    return x[..., 1:, :] - x[..., :-1, :], x[..., :, 1:] - x[..., :, :-1]


def loss_fn(recon, target):
    l1 = (recon - target).abs().mean()
    (ry, rx), (ty, tx) = edges(recon), edges(target)
    edge = (ry - ty).abs().mean() + (rx - tx).abs().mean()
    return l1 + 0.5 * edge, l1


def train(seed, steps, batch=32, lr=1e-3, horizon=None):
    horizon = horizon or steps   # the cosine schedule's length; training may stop before its end
    common.set_threads()
    common.seed_everything(seed)
    cfg = nets.CONFIG["vae"]
    model = nets.AutoEncoder(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    ckpt_path = common.work_path("vae.pt")
    start = 0
    try:
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["model"]), opt.load_state_dict(ck["opt"])
        start = ck["step"]
        common.log(STAGE, f"resuming at step {start}")
    except FileNotFoundError:
        pass
    batches = data.SceneBatches(seed * 1000 + start)
    t0 = time.time()
    for step in range(start, steps):
        x = batches.images(batches.scenes(batch))
        z = model.encoder(x)
        # the decoder must cope with the imperfect latents a diffusion model produces
        z_noisy = z + 0.1 * z.detach().std() * torch.randn_like(z)
        recon = model.decoder(z_noisy)
        rec_loss, l1 = loss_fn(recon, x)
        loss = rec_loss + 1e-4 * z.pow(2).mean()
        warm = min(1.0, (step + 1) / 100)
        for g in opt.param_groups:
            g["lr"] = lr * warm * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / horizon)))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            common.log(STAGE, f"step {step}/{steps} l1 {l1.item():.4f} z-std {z.std().item():.3f} "
                              f"{(time.time() - t0) / (step - start + 1):.2f}s/step")
        if (step + 1) % 250 == 0 or step == steps - 1:
            common.save_atomic({"model": model.state_dict(), "opt": opt.state_dict(), "step": step + 1,
                                "cfg": cfg}, ckpt_path)
    return model


if __name__ == "__main__":
    import sys
    train(int(sys.argv[1]) if len(sys.argv) > 1 else 2, int(sys.argv[2]) if len(sys.argv) > 2 else 2000,
          horizon=int(sys.argv[3]) if len(sys.argv) > 3 else None)
