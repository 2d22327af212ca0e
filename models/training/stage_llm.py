"""Stage 5: the small decoder-only LLM that rewrites loose prompts into canonical ones.

Each example is `<bos> instruction loose =>` followed by the canonical prompt and `<eos>`; the loss
covers only the canonical part. Details the user left out are filled in from the scene, which is
random, so sampling proposes variations while greedy decoding gives one plausible choice."""

import copy
import math
import random
import time

import torch
import torch.nn.functional as F

import common
import data
import evalset
import nets
import prompts as P

STAGE = "llm"
INSTRUCTION = ("rewrite the request as one canonical emoji world prompt . name each object with its "
               "count , size and position , then the background colour and texture . request :")
SEPARATOR = "=>"


def example(scene, rng):
    """(loose text, canonical target) for one scene."""
    text, dropped = P.loose(scene, rng)
    target = copy.deepcopy(scene)
    if "texture" in dropped:
        target.texture = "solid"
    if "size" in dropped:
        for it in target.items:
            it.size = "medium"
    return text, P.canonical(target)


def prompt_ids(tok, loose_text):
    return [tok.bos] + tok.encode(f"{INSTRUCTION} {loose_text} {SEPARATOR}")


def make_batch(tok, rng, batch, max_len):
    seqs, starts = [], []
    for _ in range(batch):
        loose_text, target = example(evalset.sample_training_scene(rng), rng)
        p = prompt_ids(tok, loose_text)
        seq = (p + tok.encode(target) + [tok.eos])[:max_len]
        seqs.append(seq)
        starts.append(len(p))
    n = max(len(s) for s in seqs)
    ids = torch.full((batch, n), tok.eos, dtype=torch.long)
    mask = torch.zeros(batch, n, dtype=torch.bool)
    for i, (s, st) in enumerate(zip(seqs, starts)):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, st - 1:len(s) - 1] = True   # positions whose next token is part of the answer
    return ids, mask


def train(seed, steps, batch=48, lr=1e-3):
    common.set_threads()
    common.seed_everything(seed)
    tok = data.load_tokenizer()
    cfg = dict(nets.CONFIG["llm"], vocab_size=tok.vocab_size)
    model = nets.Gpt(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01, betas=(0.9, 0.98))
    rng = random.Random(seed)
    t0 = time.time()
    for step in range(steps):
        ids, mask = make_batch(tok, rng, batch, cfg["max_position_embeddings"])
        n = ids.shape[1]
        x = model.wte(ids) + model.wpe(torch.arange(n))
        causal = torch.full((n, n), float("-inf")).triu(1)
        for b in model.h:
            x = b(x, causal)
        h = model.ln_f(x[:, :-1][mask[:, :-1]])
        logits = h @ model.wte.weight.t()
        loss = F.cross_entropy(logits, ids[:, 1:][mask[:, :-1]])
        for g in opt.param_groups:
            g["lr"] = lr * min(1.0, (step + 1) / 100) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            common.log(STAGE, f"step {step}/{steps} loss {loss.item():.3f} "
                              f"{(time.time() - t0) / (step + 1):.2f}s/step")
    model.eval()
    common.save_atomic({"model": model.state_dict(), "cfg": cfg, "step": steps}, common.work_path("llm.pt"))
    return model


@torch.no_grad()
def generate(model, tok, loose_text, max_new=40):
    """Greedy expansion (the reference the C# engine is checked against)."""
    ids = prompt_ids(tok, loose_text)
    limit = model.wpe.num_embeddings
    for _ in range(max_new):
        if len(ids) >= limit:
            break
        nxt = int(model(torch.tensor([ids]))[0, -1].argmax())
        if nxt == tok.eos:
            break
        ids.append(nxt)
    return tok.decode(ids[len(prompt_ids(tok, loose_text)):])


if __name__ == "__main__":
    import sys
    m = train(int(sys.argv[1]) if len(sys.argv) > 1 else 5, int(sys.argv[2]) if len(sys.argv) > 2 else 2400)
    tok = data.load_tokenizer()
    for t in ["kitty in the corner", "2 pizzas pls", "a crimson automobile", "dog left of a bike on blue"]:
        print(t, "->", generate(m, tok, t))
