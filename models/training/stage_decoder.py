"""Stage 3b: more training for the autoencoder's decoder alone, with the encoder frozen.

The latent space is the encoder's, so once the encoder is fixed the UNet can train on it while the
decoder keeps improving beside it; the export takes this refined decoder."""

import math
import time

import torch

import common
import data
import nets
import stage_vae

STAGE = "decoder"


def train(seed, steps, batch=32, lr=5e-4):
    common.set_threads()
    common.seed_everything(seed)
    ck = torch.load(common.work_path("vae.pt"))
    cfg = ck["cfg"]
    model = nets.AutoEncoder(cfg)
    model.load_state_dict(ck["model"])
    encoder = model.encoder.eval().requires_grad_(False)
    decoder = model.decoder
    opt = torch.optim.AdamW(decoder.parameters(), lr=lr, weight_decay=0.0)
    ckpt_path = common.work_path("decoder.pt")
    start = 0
    try:
        ck = torch.load(ckpt_path)
        decoder.load_state_dict(ck["decoder"]), opt.load_state_dict(ck["opt"])
        start = ck["step"]
        common.log(STAGE, f"resuming at step {start}")
    except FileNotFoundError:
        pass
    batches = data.SceneBatches(seed * 1000 + start)
    t0 = time.time()
    for step in range(start, steps):
        x = batches.images(batches.scenes(batch))
        with torch.no_grad():
            z = encoder(x)
            z = z + 0.1 * z.std() * torch.randn_like(z)
        recon = decoder(z)
        loss, l1 = stage_vae.loss_fn(recon, x)
        warm = min(1.0, (step + 1) / 100)
        for g in opt.param_groups:
            g["lr"] = lr * warm * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(decoder.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            common.log(STAGE, f"step {step}/{steps} l1 {l1.item():.4f} {(time.time() - t0) / (step - start + 1):.2f}s/step")
        if (step + 1) % 250 == 0 or step == steps - 1:
            common.save_atomic({"decoder": decoder.state_dict(), "opt": opt.state_dict(), "step": step + 1, "cfg": cfg},
                               ckpt_path)
    return decoder


if __name__ == "__main__":
    import sys
    train(int(sys.argv[1]) if len(sys.argv) > 1 else 4, int(sys.argv[2]) if len(sys.argv) > 2 else 2500)
