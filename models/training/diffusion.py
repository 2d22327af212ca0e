"""The noise schedule and the DDIM sampler of the reference (PyTorch) pipeline.

The schedule matches diffusers' `scaled_linear` betas and the sampler matches its DDIMScheduler with
`timestep_spacing="leading"`, `steps_offset=1`, `set_alpha_to_one=False`, eta 0, so the C# pipeline
reading scheduler_config.json reproduces these numbers."""

import torch

DEFAULT_GUIDANCE = 3.0   # the guidance scale the family is evaluated and served with
DEFAULT_STEPS = 50

SCHEDULER_CONFIG = {
    "_class_name": "DDIMScheduler",
    "_diffusers_version": "0.30.0",
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "prediction_type": "v_prediction",
    "steps_offset": 1,
    "timestep_spacing": "leading",
    "set_alpha_to_one": False,
    "clip_sample": False,
    "trained_betas": None,
}


def alphas_cumprod():
    c = SCHEDULER_CONFIG
    betas = torch.linspace(c["beta_start"] ** 0.5, c["beta_end"] ** 0.5, c["num_train_timesteps"],
                           dtype=torch.float64) ** 2
    return torch.cumprod(1.0 - betas, 0).float()


def ddim_timesteps(steps):
    n = SCHEDULER_CONFIG["num_train_timesteps"]
    ratio = n // steps
    return [int(t) + SCHEDULER_CONFIG["steps_offset"] for t in (torch.arange(steps) * ratio).flip(0)]


def ddim_sample(unet_fn, latent, cond, uncond, steps, guidance, start_step=0, on_step=None):
    """Deterministic DDIM (eta 0) with classifier-free guidance as a doubled batch (none at scale <= 1). Returns the final
    latent (scaled latent space). `unet_fn(sample, t[B], ctx)` predicts v."""
    ac = alphas_cumprod()
    n = SCHEDULER_CONFIG["num_train_timesteps"]
    ts = ddim_timesteps(steps)
    x = latent
    for i in range(start_step, steps):
        t = ts[i]
        if on_step:
            on_step(i, x)
        if guidance > 1:
            xin = torch.cat([x, x])
            tt = torch.full((xin.shape[0],), float(t))
            v = unet_fn(xin, tt, torch.cat([uncond, cond]))
            v_u, v_c = v.chunk(2)
            v = v_u + guidance * (v_c - v_u)
        else:   # as the C# pipeline: guidance runs only above scale 1
            v = unet_fn(x, torch.full((x.shape[0],), float(t)), cond)
        a_t = ac[t]
        prev_t = t - n // steps
        a_prev = ac[prev_t] if prev_t >= 0 else ac[0]  # set_alpha_to_one=False
        x0 = a_t.sqrt() * x - (1 - a_t).sqrt() * v
        eps = (1 - a_t).sqrt() * x + a_t.sqrt() * v
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
    return x
