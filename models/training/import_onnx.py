"""Rebuilds the training checkpoints (`.work/*.pt`) from the committed model files, so a stage can be
resumed or fine-tuned on a machine that never ran the earlier stages (checkpoints stay outside git).

    /usr/bin/python3 models/training/import_onnx.py          # all parts, then marks their stages done

ONNX export renames, transposes and folds some weights (MatMul weights are stored transposed,
GroupNorm affine terms as [C,1,1] Mul/Add constants, BatchNorm folded into the preceding conv), so the
mapping is learnt rather than hand-written: each network is exported once with random weights, every
initializer of that probe export is matched to the parameter (and transform) that produced it, and
the inverse is applied to the shipped initializers. The result is checked by exporting the rebuilt
network again: every initializer must equal the shipped one."""

import json
import os
import struct
import tempfile

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

import common
import data
import export
import judging
import memory_dit
import nets
import train_all
import world as W

_TRANSFORMS = {
    "same": (lambda p, shape: p.reshape(shape) if p.size == int(np.prod(shape)) else None,
             lambda a, shape: a.reshape(shape)),
    "transpose": (lambda p, shape: p.T if p.ndim == 2 and p.T.shape == tuple(shape) else None,
                  lambda a, shape: a.T.reshape(shape)),
}


def _initializers(path):
    return {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}


def _export_to(fn, module, path):
    module.eval()
    fn(module, path)
    return _initializers(path)


def _neutral_batchnorms(module):
    """BatchNorm as the identity, so the conv folded into it keeps exactly its own weights."""
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.fill_(1.0), m.bias.zero_(), m.running_mean.zero_()
                m.running_var.fill_(1.0 - m.eps)


def _learn_mapping(module, fn, tmpdir):
    """initializer name -> (parameter name, transform name), from a probe export with random weights."""
    gen = torch.Generator().manual_seed(0)
    params = dict(module.named_parameters())
    bn_params = {f"{n}.{p}" for n, m in module.named_modules() if isinstance(m, nn.BatchNorm2d)
                 for p in ("weight", "bias")}
    with torch.no_grad():
        for name, p in params.items():
            if name not in bn_params:
                p.copy_(torch.randn(p.shape, generator=gen))
    _neutral_batchnorms(module)
    probe = _export_to(fn, module, os.path.join(tmpdir, "probe.onnx"))
    values = {n: p.detach().numpy() for n, p in params.items() if n not in bn_params}
    mapping = {}
    for init_name, arr in probe.items():
        if arr.dtype != np.float32 or arr.size < 2:
            continue
        found = [(pn, tn) for pn, pv in values.items() for tn, (fwd, _) in _TRANSFORMS.items()
                 if pv.size == arr.size and (t := fwd(pv, arr.shape)) is not None and np.allclose(t, arr, rtol=1e-5, atol=1e-6)]
        if len(found) > 1:
            found = [f for f in found if f[1] == "same"] or found
        if found:
            mapping[init_name] = found[0]
    missing = set(values) - {pn for pn, _ in mapping.values()}
    if missing:
        raise SystemExit(f"import: no initializer holds {sorted(missing)[:5]} ({len(missing)} parameters)")
    return mapping


def import_module(module, fn, shipped_path):
    """Loads the weights of `shipped_path` into `module` (whose architecture exported them through `fn`)."""
    with tempfile.TemporaryDirectory() as tmp:
        mapping = _learn_mapping(module, fn, tmp)
        shipped = _initializers(shipped_path)
        params = dict(module.named_parameters())
        with torch.no_grad():
            for init_name, (pn, tn) in mapping.items():
                if init_name not in shipped:
                    raise SystemExit(f"import: {shipped_path} has no initializer {init_name}; "
                                     "was it exported from this architecture?")
                p = params[pn]
                p.copy_(torch.from_numpy(_TRANSFORMS[tn][1](shipped[init_name], tuple(p.shape)).copy()))
        _neutral_batchnorms(module)
        again = _export_to(fn, module, os.path.join(tmp, "again.onnx"))
    worst = max(float(np.abs(again[n] - shipped[n]).max()) for n in shipped if n in again and again[n].dtype == np.float32)
    if set(again) != set(shipped) or worst > 1e-5:
        raise SystemExit(f"import: re-exporting {shipped_path} does not reproduce it (max diff {worst:.2e})")
    common.log("import", f"{os.path.relpath(shipped_path, common.MODELS_DIR)}: {len(params)} tensors, "
                         f"round trip max diff {worst:.1e}")
    return module


def _onnx_fn(args, inputs, outputs):
    dynamic = {n: {0: "batch"} for n in inputs + outputs}

    def fn(module, path):
        torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
                          opset_version=export.OPSET, do_constant_folding=True)
    return fn


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    return {k: torch.from_numpy(np.frombuffer(blob[v["data_offsets"][0]:v["data_offsets"][1]], dtype=np.float32)
                                .reshape(v["shape"]).copy()) for k, v in header.items() if k != "__metadata__"}


def import_llm():
    cfg = nets.CONFIG["llm"]
    model = nets.Gpt(cfg)
    names = {}
    for k in model.state_dict():   # the inverse of export.export_llm's renaming
        s = k.replace("wte.weight", "wte").replace("wpe.weight", "wpe")
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            s = s.replace(f".{proj}.", f".attn.{proj}.")
        for fc in ("fc_in", "fc_out"):
            s = s.replace(f".{fc}.", f".mlp.{fc}.")
        names[k] = s
    tensors = read_safetensors(common.model_path("llm", "model.safetensors"))
    model.load_state_dict({k: tensors[s] for k, s in names.items()})
    common.log("import", f"llm/model.safetensors: {len(names)} tensors")
    return {"model": model.state_dict(), "cfg": cfg, "step": train_all.STEPS["llm"], "imported": True}


def import_denoiser():
    """The memory-reading transformer: its parameters by the probe mapping, its memory bank (an fp16
    constant of the graph, not a parameter) by name."""
    path = common.model_path(export.DENOISER_FOLDER, "model.onnx")
    model = memory_dit.MemoryDiT(memory_dit.CONFIG)
    shipped = _initializers(path)
    banks = [a for a in shipped.values() if a.dtype == np.float16 and a.shape == tuple(model.patterns.shape)]
    if len(banks) != 1:
        raise SystemExit(f"import: {path} holds {len(banks)} memory banks of shape {tuple(model.patterns.shape)}")
    model.patterns.copy_(torch.from_numpy(banks[0].copy()))
    c, side, d = model.c, model.side, model.cfg["ctx_dim"]
    return import_module(model, _onnx_fn((torch.zeros(2, c, side, side), torch.full((2,), 500.0), torch.zeros(2, 77, d)),
                                         ["sample", "timestep", "encoder_hidden_states"], ["out_sample"]), path)


def run():
    torch.set_num_threads(2)
    tok = data.load_tokenizer()
    d = nets.CONFIG["clip"]["d"]
    clip = nets.Clip(dict(nets.CONFIG["clip"], vocab=tok.vocab_size))
    import_module(export._TextExport(clip.text), _onnx_fn((torch.zeros(2, 77, dtype=torch.int32),), ["input_ids"],
                                                          ["last_hidden_state", "pooler_output", "text_embeds"]),
                  common.model_path("text_encoder", "model.onnx"))
    import_module(export._Identity(clip.image), _onnx_fn((torch.zeros(2, 3, 64, 64),), ["pixel_values"],
                                                         ["image_embeds"]),
                  common.model_path("image_encoder", "model.onnx"))
    ae = nets.AutoEncoder(nets.CONFIG["vae"])
    latent = nets.CONFIG["vae"]["latent"]
    import_module(export._Identity(ae.encoder), _onnx_fn((torch.zeros(2, 3, 64, 64),), ["sample"], ["latent_sample"]),
                  common.model_path("vae_encoder", "model.onnx"))
    import_module(export._Identity(ae.decoder), _onnx_fn((torch.zeros(2, latent, 16, 16),), ["latent_sample"], ["sample"]),
                  common.model_path("vae_decoder", "model.onnx"))
    denoiser = import_denoiser()
    seg = nets.JudgeSegmenter(len(W.COLOURS))
    import_module(seg, _onnx_fn((torch.zeros(2, 3, 64, 64),), ["pixel_values"],
                                ["segmentation", "centers", "sizes", "background"]),
                  common.model_path("judge", "model.onnx"))
    cls = nets.JudgeClassifier(len(W.CLASS_NAMES))
    import_module(cls, _onnx_fn((torch.zeros(2, 3, judging.CROP, judging.CROP),), ["crops"], ["logits"]),
                  common.model_path("judge", "classifier.onnx"))
    with open(common.model_path("vae_decoder", "config.json")) as f:
        scale = json.load(f)["scaling_factor"]

    steps = train_all.STEPS
    common.save_atomic({"model": clip.state_dict(), "cfg": dict(nets.CONFIG["clip"], vocab=tok.vocab_size), "step": steps["clip"], "imported": True},
                       common.work_path("clip.pt"))
    common.save_atomic({"model": ae.state_dict(), "cfg": nets.CONFIG["vae"], "step": steps["vae"], "imported": True},
                       common.work_path("vae.pt"))
    common.save_atomic({"decoder": ae.decoder.state_dict(), "step": steps["decoder"], "imported": True},
                       common.work_path("decoder.pt"))
    with open(common.model_path(export.DENOISER_FOLDER, "config.json")) as f:
        denoiser_steps = json.load(f).get("training_steps") or steps["denoiser"]
    common.save_atomic({"model": denoiser.state_dict(), "ema": denoiser.state_dict(), "step": denoiser_steps,
                        "cfg": denoiser.cfg, "scaling_factor": scale, "imported": True}, common.work_path("denoiser.pt"))
    common.save_atomic({"segmenter": seg.state_dict(), "classifier": cls.state_dict(), "step": steps["judge"],
                        "imported": True}, common.work_path("judge.pt"))
    common.save_atomic(import_llm(), common.work_path("llm.pt"))
    for stage in ("tokenizer", "clip", "vae", "decoder", "denoiser", "llm", "judge"):
        open(train_all.done_marker(stage), "w").close()
    common.log("import", f"checkpoints rebuilt in {common.WORK_DIR}; stages marked done")


if __name__ == "__main__":
    run()
