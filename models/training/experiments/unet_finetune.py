"""Experiment (not part of the family): fine-tune the shipped UNet with another loss or other data, to test
an idea in about 20 minutes before any full-length run. MODEL_CARD.md has what each variant measured.

- FLOOR (argument): the stage's min-SNR weighting puts a weight of min(SNR, 5) on the clean-latent error,
  almost nothing at high noise (SNR 0.005-0.4 for t 400-999), where a sample's content is decided; a
  floor of 1 raises it there (P2-style emphasis on the content steps). 0 keeps the stage's weighting.
- OBJECT_WEIGHT=w (environment): each latent pixel an object covers (renderer's labels, dilated by one
  latent pixel) weighs 1 + w times.
- SCENE_SNAP=4 (environment, read by scene.py): renders with sprites snapped to the latent grid.
- POS_EMBED=1 (environment): adds learned position embeddings (zero at first, 10x the learning rate) to
  every transformer's tokens, so each latent position's query knows where it is.

usage (Debian's interpreter, from models/training; TRAIN_WORK_DIR picks the checkpoints):
  /usr/bin/python3 experiments/unet_finetune.py SRC_UNET_PT OUT_UNET_PT STEPS [FLOOR]
The output has unet.pt's format, so diagnose.py and evaluate.py run on a work folder holding it."""
import copy, math, os, sys, time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import torch
import torch.nn.functional as F
import common, data, diffusion, nets, stage_unet


def x0_weight(snr, floor, gamma=5.0):
    return snr.clamp(max=gamma).clamp(min=floor)


def main(src, out, steps, floor=1.0, batch=32, lr=2e-4, ema_decay=0.995,
         object_weight=float(os.environ.get("OBJECT_WEIGHT", "0"))):
    common.set_threads(); common.seed_everything(4242)
    text, ae = stage_unet.load_frozen()
    tok = data.load_tokenizer()
    ck = torch.load(src)
    cfg = dict(ck["cfg"], pos_embed=True, latent_size=16) if os.environ.get("POS_EMBED") == "1" else ck["cfg"]
    model = nets.UNet(cfg)
    missing = model.load_state_dict(ck["ema"], strict=False).missing_keys
    assert all(k.endswith(".pos") for k in missing), missing
    ema = copy.deepcopy(model).requires_grad_(False)
    scale = ck["scaling_factor"]
    new = [p for n, p in model.named_parameters() if n in missing]
    old = [p for n, p in model.named_parameters() if n not in missing]
    opt = torch.optim.AdamW([{"params": old, "scale": 1.0}, {"params": new, "scale": 10.0, "weight_decay": 0.0}],
                            lr=lr, weight_decay=0.01)
    batches = data.SceneBatches(4242000, tok, text_len=77)
    ac = diffusion.alphas_cumprod(); gen = torch.Generator().manual_seed(4242); t0 = time.time()
    for step in range(steps):
        scenes = batches.scenes(batch)
        with torch.no_grad():
            images, labels = batches.images(scenes, labels=True)
            z = ae.encoder(images) * scale
            covered = F.max_pool2d((labels > 0).float()[:, None], 4)
            pixel_weight = 1 + object_weight * F.max_pool2d(covered, 3, 1, 1)
            ctx, _, _ = text(batches.tokens(batches.captions(scenes, p_canonical=0.5, dropout=0.1)))
        t = torch.randint(0, 1000, (batch,), generator=gen)
        noise = torch.randn(z.shape, generator=gen)
        loss = stage_unet.v_prediction_loss(model, z, ctx, t, noise, ac, lambda snr: x0_weight(snr, floor), pixel_weight)
        for g in opt.param_groups:
            g["lr"] = g["scale"] * lr * min(1.0, (step + 1) / 100) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        opt.zero_grad(set_to_none=True); loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(ema_decay).add_(pm, alpha=1 - ema_decay)
        if step % 50 == 0 or step == steps - 1:
            print(f"[finetune] step {step}/{steps} loss {loss.item():.4f} {(time.time() - t0) / (step + 1):.2f}s/step", flush=True)
        if (step + 1) % 250 == 0 or step == steps - 1:
            common.save_atomic({"model": model.state_dict(), "ema": ema.state_dict(), "step": ck["step"] + step + 1,
                                "cfg": cfg, "scaling_factor": scale}, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 1.0)
