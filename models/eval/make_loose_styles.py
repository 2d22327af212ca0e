#!/usr/bin/python3
"""Writes models/eval/loose-styles.jsonl: loose prompts in styles the LLM's training generator
(models/training/prompts.py `loose`) does not produce, each labelled with what it asks for.

Styles: slang and diminutives, over-regular plurals, one-letter typos, emoji, questions, unusual word
orders, concepts outside the vocabulary, the cases users met, and GenEval's prompts
(../shared/data/prompts/geneval.jsonl) whose objects are all in the vocabulary.

Labels: objects as [name, count] in prompt order, the relation between the first two (or null), and the
out-of-vocabulary concepts the prompt names (they must be reported, never swapped for another object).

    /usr/bin/python3 models/eval/make_loose_styles.py [--geneval ../shared/data/prompts/geneval.jsonl]
"""
import argparse
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
WORLD = json.load(open(os.path.join(HERE, "..", "world.json"), encoding="utf-8"))
CONCEPTS = {c["name"]: c for c in WORLD["concepts"]}
COLOURS = [c["name"] for c in WORLD["colours"]]
NUMBER = {1: "one", 2: "two", 3: "three", 4: "four"}

# Objects whose names read plainly (no other sense as a colour or a common word).
PLAIN = [n for n in CONCEPTS if " " not in n and n not in ("orange", "mouse", "key", "star", "heart", "sun", "moon", "cloud", "person", "tv")]
SLANG = {"dog": ["doggo", "doggos", "pupper", "puppies", "doggie"], "cat": ["kitty", "kitties", "kitteh", "catto"],
         "fish": ["fishies", "fishie"], "bird": ["birb", "birdie"], "rabbit": ["bunny", "bunnies"], "horse": ["horsey", "pony"],
         "bicycle": ["bike", "bikes"], "frog": ["froggy"], "duck": ["ducky", "duckie"], "pig": ["piggy", "piggies"],
         "airplane": ["plane", "jet"], "motorcycle": ["motorbike"], "tv": ["telly"], "helicopter": ["chopper"]}
EMOJI_ALIASES = {"dog": "🐶", "cat": "🐱", "rabbit": "🐰", "pig": "🐷", "cow": "🐮", "horse": "🐴", "monkey": "🐵", "frog": "🐸", "bear": "🐻"}
OUT_OF_VOCABULARY = ["fox", "dragon", "castle", "unicorn", "dinosaur", "robot", "tiger", "shark", "whale", "spider", "wizard",
                     "pumpkin", "lighthouse", "volcano", "owl", "wolf", "snail", "camel", "kangaroo", "castle"]
RELATIONS = {"left of": ["left of", "to the left of"], "right of": ["right of", "to the right of"],
             "above": ["above", "over", "on top of"], "below": ["below", "under", "beneath"]}


def plural(name):
    return CONCEPTS[name]["plural"]


def typo(word, rng):
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["delete", "double", "swap", "replace"])
    if kind == "delete":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap" and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    vowels = "aeiou"
    repl = rng.choice([v for v in vowels if v != word[i]]) if word[i] in vowels else word[i]
    return word[:i] + repl + word[i + 1:] if repl != word[i] else word[:i] + word[i + 1:]


def record(style, prompt, objects, relation=None, oov=()):
    return {"style": style, "prompt": prompt, "objects": [[n, c] for n, c in objects], "relation": relation, "oov": list(oov)}


def styled(rng):
    out = []
    colour = lambda: rng.choice(COLOURS)
    for _ in range(45):   # slang and diminutives
        name = rng.choice(list(SLANG))
        word = rng.choice(SLANG[name])
        count = 2 if word.endswith(("s", "ies")) and word not in ("bus",) else rng.choice([1, 2, 3])
        many = word if count == 1 or word.endswith("s") else word + ("s" if not word.endswith("y") else "")
        if count > 1 and word.endswith("y"):
            many = word[:-1] + "ies"
        text = rng.choice(["pls draw me {n} {w}, {c} bg", "{n} {w} on {c} pls", "gimme {n} {w} w/ a {c} bg", "{n} {w} 🙏 {c} background",
                           "yo can i get {n} {w} on {c}"])
        n = ("a" if count == 1 else str(count) if rng.random() < 0.5 else NUMBER[count])
        out.append(record("slang", text.format(n=n, w=word if count == 1 else many, c=colour()), [(name, count)]))
    for _ in range(35):   # plurals the vocabulary does not list
        name = rng.choice(PLAIN)
        # the regular -s/-es form, which for sheep, fish, mouse or knife is not the vocabulary's plural
        wrong = name + ("es" if name.endswith(("s", "sh", "ch", "x")) else "s")
        count = rng.choice([2, 3])
        out.append(record("plural", f"{NUMBER[count]} {wrong} on a {colour()} background", [(name, count)]))
    for _ in range(45):   # one-letter typos
        name = rng.choice([n for n in PLAIN if len(n) >= 5])
        t = typo(name, rng)
        if t == name:
            continue
        out.append(record("typo", rng.choice([f"a {t} on a {colour()} backround", f"draw a {t}, {colour()} bg", f"one {t} in the center"]),
                          [(name, 1)]))
    for _ in range(40):   # emoji
        a, b = rng.sample([n for n in CONCEPTS if CONCEPTS[n]["emoji"]], 2)
        ea = EMOJI_ALIASES.get(a, CONCEPTS[a]["emoji"]) if rng.random() < 0.5 else CONCEPTS[a]["emoji"]
        form = rng.choice(["pair", "count", "single"])
        if form == "pair":
            out.append(record("emoji", f"{ea} and {CONCEPTS[b]['emoji']} on {colour()}", [(a, 1), (b, 1)]))
        elif form == "count":
            k = rng.choice([2, 3])
            out.append(record("emoji", f"{ea * k} {colour()} bg", [(a, k)]))
        else:
            out.append(record("emoji", f"just a {ea} please", [(a, 1)]))
    for _ in range(40):   # questions
        a, b = rng.sample(PLAIN, 2)
        rel = rng.choice(list(RELATIONS))
        form = rng.choice(["relation", "count", "single"])
        if form == "relation":
            out.append(record("question", f"could you draw a {a} {rng.choice(RELATIONS[rel])} a {b}?", [(a, 1), (b, 1)], rel))
        elif form == "count":
            k = rng.choice([2, 3])
            out.append(record("question", f"can I have {NUMBER[k]} {plural(a)} on a {colour()} background?", [(a, k)]))
        else:
            out.append(record("question", f"what would a big {a} look like on {colour()}?", [(a, 1)]))
    for _ in range(40):   # word orders
        a, b = rng.sample(PLAIN, 2)
        form = rng.choice(["bg-first", "colon", "plus", "count-after"])
        c = colour()
        if form == "bg-first":
            out.append(record("word_order", f"on a {c} background, {NUMBER[2]} {plural(a)}", [(a, 2)]))
        elif form == "colon":
            out.append(record("word_order", f"{c} bg: a {a} and a {b}", [(a, 1), (b, 1)]))
        elif form == "plus":
            out.append(record("word_order", f"{a} + {b}, {c}", [(a, 1), (b, 1)]))
        else:
            k = rng.choice([2, 3])
            out.append(record("word_order", f"{plural(a)}, {NUMBER[k]} of them, {c} backdrop", [(a, k)]))
    for _ in range(40):   # concepts outside the vocabulary
        o = rng.choice(OUT_OF_VOCABULARY)
        if rng.random() < 0.5:
            out.append(record("out_of_vocabulary", f"a {o} on a {colour()} background", [], oov=[o]))
        else:
            a = rng.choice(PLAIN)
            out.append(record("out_of_vocabulary", f"a {o} and a {a}, {colour()} bg", [(a, 1)], oov=[o]))
    out += [
        record("reported", "pls draw me 2 doggos and a pizza, pink bg", [("dog", 2), ("pizza", 1)]),
        record("reported", "a doggy next to a bike", [("dog", 1), ("bicycle", 1)]),
        record("reported", "3 fishies swimming, blue", [("fish", 3)]),
        record("reported", "three sheeps on a purple background", [("sheep", 3)]),
        record("reported", "red apple?", [("apple", 1)]),
        record("reported", "sunny day over a little house", [("sun", 1), ("house", 1)], "above"),
    ]
    return out


def geneval(path):
    names = {}
    for c in WORLD["concepts"]:
        for n in [c["name"]] + c["synonyms"]:
            names[n] = c["name"]
    out = []
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        include = r["include"]
        if not all(i["class"] in names for i in include) or r["tag"] not in ("single_object", "two_object", "counting", "position", "colors", "color_attr"):
            continue
        objects = [(names[i["class"]], i["count"]) for i in include]
        relation = None
        if r["tag"] == "position":
            # "a photo of a dog right of a teddy bear": the second include is placed relative to the first, and named first
            objects = [objects[1], objects[0]]
            relation = include[1]["position"][0]
        out.append(record("geneval_" + r["tag"], r["prompt"], objects, relation))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--geneval", default=os.path.join(ROOT, "..", "shared", "data", "prompts", "geneval.jsonl"))
    ap.add_argument("--out", default=os.path.join(HERE, "loose-styles.jsonl"))
    args = ap.parse_args()
    rng = random.Random(20261206)
    records = styled(rng)
    if os.path.exists(args.geneval):
        records += geneval(args.geneval)
    else:
        print(f"note: {args.geneval} not found; GenEval prompts left out")
    seen, unique = set(), []
    for r in records:
        if r["prompt"] not in seen:
            seen.add(r["prompt"])
            unique.append(r)
    with open(args.out, "w", encoding="utf-8") as f:
        for i, r in enumerate(unique):
            f.write(json.dumps({"index": i, **r}, ensure_ascii=False) + "\n")
    styles = {}
    for r in unique:
        styles[r["style"]] = styles.get(r["style"], 0) + 1
    print(f"{len(unique)} prompts: " + ", ".join(f"{k} {v}" for k, v in sorted(styles.items())))


if __name__ == "__main__":
    main()
