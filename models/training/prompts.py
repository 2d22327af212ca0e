"""Prompts written from scenes: the canonical form, training paraphrases, and loose user-style text.

The canonical prompt is what the image model knows best and what the LLM learns to write; the
paraphrases (synonyms, reordering, dropped details) teach the encoders that many phrasings mean the
same scene; the loose forms are what users type ("2 pizzas pls", "kitty in the corner")."""

import random

import world as W


def article(word):
    return "an" if word[0] in "aeiou" else "a"


def _size_word(size):
    return "" if size == "medium" else size + " "


def background_phrase(colour, texture):
    return f"{colour} background" if texture == "solid" else f"{colour} {texture} background"


def _obj(name, size):
    words = _size_word(size) + name
    return f"{article(words)} {words}"


def canonical(scene) -> str:
    bg = "on " + article(scene.colour) + " " + background_phrase(scene.colour, scene.texture)
    it = scene.items
    if scene.kind == "single":
        return f"{_obj(it[0].concept, it[0].size)} {W.POSITION_PHRASES[scene.position]} {bg}"
    if scene.kind == "count":
        c = W.CONCEPT_BY_NAME[it[0].concept]
        noun = c.name if scene.count == 1 else c.plural
        return f"{W.COUNT_WORDS[scene.count]} {_size_word(it[0].size)}{noun} {bg}"
    if scene.kind == "relation":
        return (f"{_obj(it[0].concept, it[0].size)} {W.RELATION_PHRASES[scene.relation]} "
                f"{_obj(it[1].concept, it[1].size)} {bg}")
    objs = [_obj(i.concept, i.size) for i in it]
    listed = objs[0] if len(objs) == 1 else ", ".join(objs[:-1]) + " and " + objs[-1]
    return f"{listed} {bg}"


# --- paraphrases ------------------------------------------------------------------------------

_POSITION_VARIANTS = {
    "center": ["in the center", "in the middle", "centered", "in the centre", "at the center"],
    "left": ["on the left", "on the left side", "at the left", "to the left"],
    "right": ["on the right", "on the right side", "at the right", "to the right"],
    "top": ["at the top", "at the top of the image", "up top", "near the top"],
    "bottom": ["at the bottom", "at the bottom of the image", "near the bottom", "down below"],
}
for _v in ("top", "bottom"):
    for _h in ("left", "right"):
        _POSITION_VARIANTS[f"{_v} {_h}"] = [
            f"in the {_v} {_h} corner", f"at the {_v} {_h}", f"{_v} {_h}", f"in the {_v}-{_h} corner",
            f"in the {'upper' if _v == 'top' else 'lower'} {_h} corner",
            f"{'upper' if _v == 'top' else 'lower'} {_h}"]

_RELATION_VARIANTS = {
    "left of": ["to the left of", "left of", "on the left of", "beside and left of"],
    "right of": ["to the right of", "right of", "on the right of", "beside and right of"],
    "above": ["above", "over", "on top of", "higher than"],
    "below": ["below", "under", "beneath", "underneath"],
}
_INVERSE = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}
_COUNT_VARIANTS = {1: ["one", "1", "a single"], 2: ["two", "2", "a pair of", "a couple of"],
                   3: ["three", "3", "a trio of"]}
_PREFIXES = ["", "", "", "a picture of ", "an emoji of ", "a photo of ", "an image of ",
             "a drawing of ", "an illustration of "]


def _pick(rng, p, alt, base):
    return rng.choice(alt) if alt and rng.random() < p else base


def _name(rng, concept, plural=False, p=0.2):
    c = W.CONCEPT_BY_NAME[concept]
    if plural:
        if c.synonyms and rng.random() < p:
            s = rng.choice(c.synonyms)
            return s if s.endswith("s") else s + "s"
        return c.plural
    return _pick(rng, p, c.synonyms, c.name)


def _size(rng, size, drop):
    if size == "medium" or rng.random() < drop:
        return ""
    return _pick(rng, 0.3, W.SIZE_SYNONYMS[size], size) + " "


def _colour(rng, colour):
    return _pick(rng, 0.2, W.COLOUR_BY_NAME[colour].synonyms, colour)


def _background(rng, scene):
    col = _colour(rng, scene.colour)
    if scene.texture == "solid":
        core = f"{col} background"
    else:
        tex = _pick(rng, 0.25, W.TEXTURE_SYNONYMS[scene.texture], scene.texture)
        core = f"{col} {tex} background" if not tex.startswith("with") else f"{col} background {tex}"
    a = article(core)
    return rng.choice([f"on {a} {core}", f"on {a} {core}", f"with {a} {core}", f", {core}",
                       f"against {a} {core.replace('background', 'backdrop')}", f"on {core}"])


def _with_article(rng, words):
    return f"{article(words)} {words}" if rng.random() < 0.92 else words


def paraphrase(scene, rng: random.Random, drop=0.15) -> str:
    """A training caption: synonyms, reordering, and each unessential detail dropped with `drop`."""
    it = scene.items
    if scene.kind == "single":
        obj = _with_article(rng, _size(rng, it[0].size, drop) + _name(rng, it[0].concept))
        pos = "" if rng.random() < drop else " " + rng.choice(_POSITION_VARIANTS[scene.position])
        core = obj + pos
    elif scene.kind == "count":
        noun = _name(rng, it[0].concept, plural=scene.count > 1)
        count = rng.choice(_COUNT_VARIANTS[scene.count])
        if scene.count == 1 and rng.random() < 0.3:
            count = article(noun)
        core = f"{count} {_size(rng, it[0].size, drop)}{noun}"
    elif scene.kind == "relation":
        a = _with_article(rng, _size(rng, it[0].size, drop) + _name(rng, it[0].concept))
        b = _with_article(rng, _size(rng, it[1].size, drop) + _name(rng, it[1].concept))
        if rng.random() < 0.3:
            a, b, rel = b, a, _INVERSE[scene.relation]
        else:
            rel = scene.relation
        core = f"{a} {rng.choice(_RELATION_VARIANTS[rel])} {b}"
    else:
        objs = [_with_article(rng, _size(rng, i.size, drop) + _name(rng, i.concept)) for i in it]
        rng.shuffle(objs)
        joiner = rng.choice([" and ", " with ", " next to "]) if len(objs) == 2 else None
        core = objs[0] + joiner + objs[1] if joiner else ", ".join(objs[:-1]) + " and " + objs[-1]
    prefix = rng.choice(_PREFIXES)
    if rng.random() < drop * 0.5:
        return (prefix + core).strip()
    bg = _background(rng, scene)
    if rng.random() < 0.15:
        words = bg.lstrip(", ").split(" ")
        while words[0] in ("on", "with", "against", "a", "an"):
            words = words[1:]
        lead = " ".join(words)
        return f"{lead} with {core}".strip()
    sep = "" if bg.startswith(",") else " "
    return f"{prefix}{core}{sep}{bg}".strip()


# --- loose, user-style prompts for the LLM -----------------------------------------------------

_CHATTY = ["", "", "", "please draw ", "can you make ", "i want ", "show me ", "generate ",
           "draw me ", "make me ", "give me "]
_SUFFIX = ["", "", "", " pls", " please", " thanks", "!", " :)"]


def loose(scene, rng: random.Random):
    """What a user might type for this scene, usually leaving some details out. Returns
    (loose_text, dropped) where dropped names the details the LLM must fill in."""
    dropped = set()
    it = scene.items
    terse = rng.random() < 0.3

    def size(sz):
        if sz == "medium":
            return ""
        if rng.random() < 0.35:
            dropped.add("size")
            return ""
        return _pick(rng, 0.4, W.SIZE_SYNONYMS[sz], sz) + " "

    def name(concept, plural=False):
        return _name(rng, concept, plural, p=0.4)

    if scene.kind == "single":
        core = size(it[0].size) + name(it[0].concept)
        if not terse:
            core = _with_article(rng, core)
        if rng.random() < 0.3:
            dropped.add("position")
        else:
            p = rng.choice(_POSITION_VARIANTS[scene.position])
            core += " " + (p.replace("in the ", "").replace("at the ", "").replace("on the ", "")
                           if terse else p)
    elif scene.kind == "count":
        noun = name(it[0].concept, plural=scene.count > 1)
        count = rng.choice(_COUNT_VARIANTS[scene.count])
        if scene.count == 1 and rng.random() < 0.5:
            count = article(noun)
        core = f"{count} {size(it[0].size)}{noun}"
    elif scene.kind == "relation":
        a = size(it[0].size) + name(it[0].concept)
        b = size(it[1].size) + name(it[1].concept)
        if not terse:
            a, b = _with_article(rng, a), _with_article(rng, b)
        core = f"{a} {rng.choice(_RELATION_VARIANTS[scene.relation])} {b}"
    else:
        objs = [size(i.size) + name(i.concept) for i in it]
        if not terse:
            objs = [_with_article(rng, o) for o in objs]
        core = (" and " if not terse else " ").join(objs) if len(objs) == 2 else \
            ", ".join(objs[:-1]) + " and " + objs[-1]
    if rng.random() < 0.4:
        dropped.add("background")
        text = core
    else:
        col = _pick(rng, 0.4, W.COLOUR_BY_NAME[scene.colour].synonyms, scene.colour)
        tex = "" if scene.texture == "solid" else scene.texture + " "
        if scene.texture != "solid" and rng.random() < 0.3:
            dropped.add("texture")
            tex = ""
        bg = rng.choice([f"{col} {tex}bg", f"{col} {tex}background", f"on {col} {tex}",
                         f"on a {col} {tex}background"]) if terse else \
            rng.choice([f"on a {col} {tex}background", f"with a {col} {tex}background",
                        f"against {col} {tex}".strip()])
        text = f"{core} {bg}".replace("  ", " ").strip()
    if not terse:
        text = rng.choice(_CHATTY) + text + rng.choice(_SUFFIX)
    if rng.random() < 0.2:
        text = text.capitalize()
    return text.strip(), dropped


# --- parsing canonical prompts (to check the LLM's output) ------------------------------------

_NAMES = sorted(W.CONCEPT_BY_NAME, key=len, reverse=True)
_PLURALS = {W.CONCEPT_BY_NAME[n].plural: n for n in W.CONCEPT_BY_NAME}


def _parse_object(text):
    """'a small cat' -> ('cat', 'small'), or None."""
    words = text.split(" ")
    if len(words) < 2 or words[0] not in ("a", "an"):
        return None
    words = words[1:]
    size = "medium"
    if words[0] in ("small", "large"):
        size, words = words[0], words[1:]
    name = " ".join(words)
    return (name, size) if name in W.CONCEPT_BY_NAME else None


def parse_canonical(text):
    """The scene facts a canonical prompt states: {'kind', 'objects': [(concept, count)], 'colour',
    'texture', 'position', 'relation'}; None when the text is not a canonical prompt."""
    text = text.strip()
    for tex in W.TEXTURES[1:] + W.TEXTURES[:1]:
        suffix = " background" if tex == "solid" else f" {tex} background"
        if text.endswith(suffix):
            head = text[: -len(suffix)]
            break
    else:
        return None
    body, sep, colour = head.rpartition(" on ")
    colour = colour.split(" ", 1)[-1] if " " in colour else None
    if not sep or colour not in W.COLOUR_BY_NAME:
        return None
    out = {"colour": colour, "texture": tex, "position": None, "relation": None}
    words = body.split(" ")
    counts = {v: k for k, v in W.COUNT_WORDS.items()}
    if words[0] in counts:
        n = counts[words[0]]
        rest = words[2:] if len(words) > 2 and words[1] in ("small", "large") else words[1:]
        noun = " ".join(rest)
        name = noun if n == 1 else _PLURALS.get(noun)
        if name not in W.CONCEPT_BY_NAME:
            return None
        return dict(out, kind="count", objects=[(name, n)])
    for rel, phrase in W.RELATION_PHRASES.items():
        if f" {phrase} " in body:
            a, b = body.split(f" {phrase} ", 1)
            pa, pb = _parse_object(a), _parse_object(b)
            if pa and pb:
                return dict(out, kind="relation", relation=rel, objects=[(pa[0], 1), (pb[0], 1)])
    for pos, phrase in W.POSITION_PHRASES.items():
        if body.endswith(" " + phrase):
            p = _parse_object(body[: -len(phrase) - 1])
            if p:
                return dict(out, kind="single", position=pos, objects=[(p[0], 1)])
    if " and " in body:
        first, last = body.rsplit(" and ", 1)
        parts = first.split(", ") + [last]
        parsed = [_parse_object(p) for p in parts]
        if all(parsed) and len(parsed) in (2, 3):
            return dict(out, kind="pair" if len(parsed) == 2 else "triple", objects=[(p[0], 1) for p in parsed])
    return None
