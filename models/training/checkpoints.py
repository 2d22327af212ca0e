"""Loaders of the stages' checkpoints in .work/ that several later stages share."""

import torch

import common
import nets


def load_clip_and_autoencoder():
    """The CLIP and the autoencoder as their stages left them (.work/clip.pt, .work/vae.pt), in train mode."""
    ck = torch.load(common.work_path("clip.pt"))
    clip = nets.Clip(ck["cfg"])
    clip.load_state_dict(ck["model"])
    ck = torch.load(common.work_path("vae.pt"))
    ae = nets.AutoEncoder(ck["cfg"])
    ae.load_state_dict(ck["model"])
    return clip, ae
