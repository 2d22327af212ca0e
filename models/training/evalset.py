"""The held-out evaluation prompts (GenEval-style categories), fixed by a seed.

Training samplers reject any scene whose canonical prompt is in this set, so the evaluation measures
prompts training never saw."""

import functools
import random

import prompts as P
import scene as S

EVAL_SEED = 20261123
PER_CATEGORY = 128


@functools.lru_cache(maxsize=1)
def scenes():
    """List of (category, scene) in a fixed order: single_object, counting, two_objects, position."""
    rng = random.Random(EVAL_SEED)
    out, seen = [], set()

    def take(category, kind, n, accept=lambda s: True):
        while sum(1 for c, _ in out if c == category) < n:
            sc = S.sample_scene(rng, kind)
            key = P.canonical(sc)
            if key in seen or not accept(sc):
                continue
            seen.add(key)
            out.append((category, sc))

    take("single_object", "single", PER_CATEGORY)
    for n in (1, 2, 3):
        take(f"counting{n}", "count", PER_CATEGORY // 3 + (1 if n == 3 else 0), lambda s, n=n: s.count == n)
    take("two_objects", "pair", PER_CATEGORY)
    take("position_relation", "relation", PER_CATEGORY // 2)
    take("position_absolute", "single", PER_CATEGORY // 2)
    return [(("counting" if c.startswith("counting") else c), s) for c, s in out]


@functools.lru_cache(maxsize=1)
def heldout_prompts():
    return frozenset(P.canonical(s) for _, s in scenes())


def sample_training_scene(rng, kind=None):
    """A random scene whose canonical prompt is not held out."""
    held = heldout_prompts()
    while True:
        sc = S.sample_scene(rng, kind)
        if P.canonical(sc) not in held:
            return sc
