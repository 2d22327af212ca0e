"""Stage 7: writes the trained family to models/ in diffusers' ONNX layout (see docs/model-layout.md)."""

import json
import os
import struct

import onnx
import torch
import torch.nn as nn

import checkpoints
import common
import diffusion
import memory_dit
import nets
import stage_denoiser
import stage_llm
import judging
import world as W

OPSET = 17


def _write_json(obj, *parts):
    with open(common.model_path(*parts), "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
        f.write("\n")


# Initializers this large (the denoiser's sprite memory, about 10 MB) go to `<file>_data` beside the graph,
# ONNX's external data, which ONNX Runtime reads from the model's folder: no committed file passes 20 MB.
EXTERNAL_BYTES = 4 << 20


def _onnx(module, args, path, inputs, outputs, dynamic):
    module.eval()
    final = common.model_path(path)
    tmp = final + ".tmp"
    torch.onnx.export(module, args, tmp, input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
                      opset_version=OPSET, do_constant_folding=True)
    graph = onnx.load(tmp)
    data = final + "_data"
    if os.path.exists(data):
        os.remove(data)   # onnx appends to an existing data file
    if any(len(i.raw_data) >= EXTERNAL_BYTES for i in graph.graph.initializer):
        onnx.save_model(graph, tmp, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=os.path.basename(data), size_threshold=EXTERNAL_BYTES)
    os.replace(tmp, final)


class _TextExport(nn.Module):
    def __init__(self, text):
        super().__init__()
        self.text = text

    def forward(self, input_ids):
        return self.text(input_ids.long())


class _Identity(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *a):
        return self.fn(*a)


def load_checkpoints():
    clip, ae = checkpoints.load_clip_and_autoencoder()
    try:   # the decoder refined on the frozen encoder's latents (stage_decoder), when trained
        ae.decoder.load_state_dict(torch.load(common.work_path("decoder.pt"))["decoder"])
    except FileNotFoundError:
        pass
    denoiser, scale = stage_denoiser.load()
    for m in (clip, ae, denoiser):
        m.eval().requires_grad_(False)
    return clip, ae, denoiser, scale


DENOISER_FOLDER = "transformer"   # diffusers' folder name for a transformer denoiser (a UNet's is unet/)


def export_diffusion(clip, ae, denoiser, scale):
    d = clip.text.proj.in_features
    e = clip.text.proj.out_features
    ids = torch.zeros(2, 77, dtype=torch.int32)
    _onnx(_TextExport(clip.text), (ids,), "text_encoder/model.onnx", ["input_ids"],
          ["last_hidden_state", "pooler_output", "text_embeds"],
          {"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}, "pooler_output": {0: "batch"},
           "text_embeds": {0: "batch"}})
    _write_json({"model_type": "clip_text_model", "hidden_size": d, "projection_dim": e,
                 "max_position_embeddings": 77, "vocab_size": clip.text.tok.num_embeddings,
                 "num_hidden_layers": len(clip.text.blocks)}, "text_encoder", "config.json")
    _onnx(_Identity(clip.image), (torch.zeros(2, 3, 64, 64),), "image_encoder/model.onnx", ["pixel_values"],
          ["image_embeds"], {"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}})
    _write_json({"model_type": "emoji_clip_vision", "image_size": 64, "projection_dim": e,
                 "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}, "image_encoder", "config.json")
    _onnx(_Identity(ae.encoder), (torch.zeros(2, 3, 64, 64),), "vae_encoder/model.onnx", ["sample"],
          ["latent_sample"], {"sample": {0: "batch"}, "latent_sample": {0: "batch"}})
    c, side = denoiser.c, denoiser.side
    _onnx(_Identity(ae.decoder), (torch.zeros(2, c, side, side),), "vae_decoder/model.onnx", ["latent_sample"],
          ["sample"], {"latent_sample": {0: "batch"}, "sample": {0: "batch"}})
    vae_cfg = {"scaling_factor": scale, "latent_channels": c, "sample_size": 64, "downsample_factor": 4}
    _write_json(vae_cfg, "vae_decoder", "config.json")
    _write_json(vae_cfg, "vae_encoder", "config.json")
    _onnx(denoiser, (torch.zeros(2, c, side, side), torch.full((2,), 500.0), torch.zeros(2, 77, d)),
          f"{DENOISER_FOLDER}/model.onnx", ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
          {"sample": {0: "batch"}, "timestep": {0: "batch"}, "encoder_hidden_states": {0: "batch"},
           "out_sample": {0: "batch"}})
    cfg = denoiser.cfg
    _write_json({"_class_name": "MemoryDiT", "in_channels": c, "out_channels": c, "sample_size": side,
                 "patch_size": cfg["patch"], "cross_attention_dim": d, "width": cfg["width"],
                 "num_attention_heads": cfg["heads"], "layout_blocks": cfg["layout_blocks"],
                 "body_blocks": cfg["body_blocks"], "text_tokens_read": cfg["text_tokens"],
                 "memory": {"concepts": W.CLASS_NAMES, "sizes": list(W.SIZES), "phases": 16, "kernel": 11,
                            "candidates": cfg["candidates"], "dtype": "float16"},
                 "flops_per_sample": memory_dit.flops_per_sample(denoiser),
                 "training_steps": getattr(denoiser, "trained_steps", None)}, DENOISER_FOLDER, "config.json")
    _write_json(diffusion.SCHEDULER_CONFIG, "scheduler", "scheduler_config.json")


def write_safetensors(tensors, path):
    """The safetensors format: u64 little-endian header size, JSON header, raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().float().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def export_llm():
    ck = torch.load(common.work_path("llm.pt"))
    cfg = ck["cfg"]
    tensors = {}
    for k, v in ck["model"].items():
        # module names -> the documented safetensors names (docs/model-layout.md)
        k = k.replace("wte.weight", "wte").replace("wpe.weight", "wpe")
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            k = k.replace(f".{proj}.", f".attn.{proj}.")
        for fc in ("fc_in", "fc_out"):
            k = k.replace(f".{fc}.", f".mlp.{fc}.")
        tensors[k] = v
    write_safetensors(tensors, common.model_path("llm", "model.safetensors"))
    import data
    tok = data.load_tokenizer()
    _write_json({"model_type": "emoji-gpt", **cfg, "layer_norm_epsilon": 1e-5, "activation": "gelu_tanh",
                 "bos_token_id": tok.bos, "eos_token_id": tok.eos, "instruction": stage_llm.INSTRUCTION,
                 "separator": stage_llm.SEPARATOR}, "llm", "config.json")


def export_judge():
    import stage_judge
    segmenter, classifier = stage_judge.load()
    _onnx(segmenter, (torch.zeros(2, 3, 64, 64),), "judge/model.onnx", ["pixel_values"],
          ["segmentation", "centers", "sizes", "background"],
          {"pixel_values": {0: "batch"}, "segmentation": {0: "batch"}, "centers": {0: "batch"}, "sizes": {0: "batch"},
           "background": {0: "batch"}})
    _onnx(classifier, (torch.zeros(2, 3, judging.CROP, judging.CROP),), "judge/classifier.onnx", ["crops"], ["logits"],
          {"crops": {0: "batch"}, "logits": {0: "batch"}})
    _write_json({"classes": W.CLASS_NAMES, "background_colours": [c.name for c in W.COLOURS] + ["unrecognisable"],
                 "input": "RGB in [0,1]",
                 "decode": {"center_threshold": judging.CENTER_THRESHOLD, "peak_window": judging.PEAK_WINDOW,
                           "min_area": judging.MIN_AREA, "relation_margin": judging.RELATION_MARGIN,
                           "crop_size": judging.CROP, "crop_margin": judging.CROP_MARGIN, "crop_padding": 2,
                           "rule": "model.onnx: an object is a pixel (x,y) where sigmoid('centers') is at least "
                                   "center_threshold and the maximum of its peak_window square (ties: first in "
                                   "row-major order); its size is 'sizes'[:,y,x]*64 (w,h); the classifier sees "
                                   "the square of side max(w,h)*crop_margin+crop_padding centred on (x+0.5,y+0.5), "
                                   "resampled bilinearly to crop_size (sample centres at left+(j+0.5)*side/"
                                   "crop_size-0.5, clamped to the image); classifier.onnx 'logits' argmax is the "
                                   "class (0: no object, i: classes[i-1]); objects with w*h below min_area are "
                                   "dropped; 'segmentation' (background, object) is the background segmentation; "
                                   "the background colour is the argmax of 'background' (last: unrecognisable); "
                                   "positions are judged by thirds of the image"}},
                "judge", "config.json")


def write_model_index():
    _write_json({
        "_class_name": "OnnxStableDiffusionPipeline",
        "_diffusers_version": "0.30.0",
        "_name_or_path": "emoji-world-memory",
        "feature_extractor": [None, None],
        "safety_checker": [None, None],
        "requires_safety_checker": False,
        "scheduler": ["diffusers", "DDIMScheduler"],
        "text_encoder": ["diffusers", "OnnxRuntimeModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        DENOISER_FOLDER: ["diffusers", "OnnxRuntimeModel"],
        "vae_decoder": ["diffusers", "OnnxRuntimeModel"],
        "vae_encoder": ["diffusers", "OnnxRuntimeModel"],
        "image_encoder": ["emoji_world", "OnnxRuntimeModel"],
        "llm": ["emoji_world", "SafetensorsGpt"],
        "judge": ["emoji_world", "OnnxRuntimeModel"],
        "generation_defaults": {"guidance_scale": diffusion.DEFAULT_GUIDANCE, "steps": diffusion.DEFAULT_STEPS,
                                "scheduler": "ddim"},
    }, "model_index.json")
    W.export_world_json(common.model_path("world.json"))


def run():
    clip, ae, denoiser, scale = load_checkpoints()
    export_diffusion(clip, ae, denoiser, scale)
    export_llm()
    export_judge()
    write_model_index()
    common.log("export", "wrote models/")


if __name__ == "__main__":
    run()
