"""Paths, seeding and small helpers shared by the training stages."""

import os
import random

import numpy as np
import torch

TRAINING_DIR = os.path.dirname(os.path.abspath(__file__))
# TRAIN_MODELS_DIR / TRAIN_WORK_DIR redirect outputs and checkpoints (used by --quick plumbing runs)
MODELS_DIR = os.environ.get("TRAIN_MODELS_DIR") or os.path.dirname(TRAINING_DIR)
WORK_DIR = os.environ.get("TRAIN_WORK_DIR") or os.path.join(TRAINING_DIR, ".work")  # never committed
DEFAULT_PROMPTS_DIR = os.path.normpath(os.path.join(TRAINING_DIR, "..", "..", "..", "shared", "data", "prompts"))


def work_path(*parts):
    p = os.path.join(WORK_DIR, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def model_path(*parts):
    p = os.path.join(MODELS_DIR, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


def set_threads():
    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", os.cpu_count() or 2)))


def log(stage, msg):
    print(f"[{stage}] {msg}", flush=True)


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)
