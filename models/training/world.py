"""The emoji world: its vocabulary of objects, colours, sizes and positions.

Everything the renderer, the prompt grammar, the judge and the evaluation agree on lives here, so
that a concept is named once. `export_world_json` writes the same tables to `models/world.json` for
the C# side (trace generator, evaluation)."""

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Concept:
    name: str            # canonical singular, as the canonical prompts spell it
    plural: str
    emoji: str
    synonyms: tuple = ()  # loose names seen at training time and by the LLM, never in canonical prompts
    coco: bool = False


def _c(name, emoji, plural=None, synonyms=(), coco=False):
    return Concept(name, plural or name + "s", emoji, tuple(synonyms), coco)


CONCEPTS = [
    # COCO classes that have an emoji
    _c("person", "🧑", "people", ("human", "man", "woman"), True),
    _c("bicycle", "🚲", None, ("bike", "cycle"), True),
    _c("car", "🚗", None, ("automobile", "auto", "sedan"), True),
    _c("motorcycle", "🏍", None, ("motorbike",), True),
    _c("airplane", "✈", None, ("plane", "aeroplane", "jet"), True),
    _c("bus", "🚌", "buses", ("coach",), True),
    _c("train", "🚂", None, ("locomotive",), True),
    _c("truck", "🚚", None, ("lorry",), True),
    _c("boat", "⛵", None, ("sailboat", "ship"), True),
    _c("traffic light", "🚦", None, ("stoplight", "traffic signal"), True),
    _c("stop sign", "🛑", None, ("stop signal",), True),
    _c("umbrella", "☂", None, ("parasol",), True),
    _c("backpack", "🎒", None, ("rucksack", "school bag"), True),
    _c("handbag", "👜", None, ("purse",), True),
    _c("suitcase", "🧳", None, ("luggage",), True),
    _c("frisbee", "🥏", None, ("flying disc",), True),
    _c("ball", "⚽", None, ("football", "soccer ball"), True),
    _c("kite", "🪁", None, (), True),
    _c("skateboard", "🛹", None, ("skate board",), True),
    _c("bottle", "🍾", None, ("champagne",), True),
    _c("wine glass", "🍷", None, ("glass of wine",), True),
    _c("cup", "☕", None, ("mug", "coffee"), True),
    _c("knife", "🔪", "knives", ("blade",), True),
    _c("spoon", "🥄", None, (), True),
    _c("bowl", "🥣", None, (), True),
    _c("banana", "🍌", None, (), True),
    _c("apple", "🍎", None, (), True),
    _c("sandwich", "🥪", "sandwiches", ("sub",), True),
    _c("orange", "🍊", None, ("tangerine", "mandarin"), True),
    _c("broccoli", "🥦", "broccolis", (), True),
    _c("carrot", "🥕", None, (), True),
    _c("hot dog", "🌭", None, ("hotdog", "sausage"), True),
    _c("pizza", "🍕", None, ("pizza slice",), True),
    _c("donut", "🍩", None, ("doughnut",), True),
    _c("cake", "🎂", None, ("birthday cake",), True),
    _c("chair", "🪑", None, ("seat", "stool"), True),
    _c("couch", "🛋", "couches", ("sofa",), True),
    _c("potted plant", "🪴", None, ("houseplant", "plant"), True),
    _c("bed", "🛏", None, (), True),
    _c("toilet", "🚽", None, ("loo",), True),
    _c("tv", "📺", "tvs", ("television",), True),
    _c("laptop", "💻", None, ("notebook computer", "computer"), True),
    _c("mouse", "🖱", "mice", ("computer mouse",), True),
    _c("keyboard", "⌨", None, (), True),
    _c("phone", "📱", None, ("cell phone", "smartphone", "mobile"), True),
    _c("book", "📖", None, ("novel",), True),
    _c("clock", "⏰", None, ("alarm clock",), True),
    _c("scissors", "✂", "scissors", ("shears",), True),
    _c("teddy bear", "🧸", None, ("teddy", "stuffed bear"), True),
    _c("toothbrush", "🪥", "toothbrushes", (), True),
    _c("bird", "🐦", None, ("birdie",), True),
    _c("cat", "🐈", None, ("kitty", "kitten", "feline"), True),
    _c("dog", "🐕", None, ("puppy", "doggy", "hound"), True),
    _c("horse", "🐎", None, ("pony", "stallion"), True),
    _c("sheep", "🐑", "sheep", ("lamb",), True),
    _c("cow", "🐄", None, ("cattle",), True),
    _c("elephant", "🐘", None, (), True),
    _c("bear", "🐻", None, ("grizzly",), True),
    _c("zebra", "🦓", None, (), True),
    _c("giraffe", "🦒", None, (), True),
    # scene things
    _c("tree", "🌳", None, ("oak",)),
    _c("house", "🏠", None, ("home", "cottage")),
    _c("sun", "☀", None, ("sunshine",)),
    _c("moon", "🌙", None, ("crescent",)),
    _c("star", "⭐", None, ()),
    _c("heart", "❤", None, ("love heart",)),
    _c("rocket", "🚀", None, ("spaceship",)),
    _c("flower", "🌸", None, ("blossom",)),
    _c("cloud", "☁", None, ()),
    _c("mountain", "⛰", None, ("peak",)),
    _c("fish", "🐟", "fish", ()),
    _c("rabbit", "🐇", None, ("bunny",)),
    _c("pig", "🐖", None, ("piggy", "hog")),
    _c("frog", "🐸", None, ("toad",)),
    _c("turtle", "🐢", None, ("tortoise",)),
    _c("butterfly", "🦋", "butterflies", ()),
    _c("duck", "🦆", None, ("duckling",)),
    _c("penguin", "🐧", None, ()),
    _c("lion", "🦁", None, ()),
    _c("monkey", "🐒", None, ("ape",)),
    _c("octopus", "🐙", "octopuses", ()),
    _c("ghost", "👻", None, ("spook",)),
    _c("snowman", "⛄", "snowmen", ()),
    _c("mushroom", "🍄", None, ("toadstool",)),
    _c("cactus", "🌵", "cacti", ()),
    _c("strawberry", "🍓", "strawberries", ()),
    _c("watermelon", "🍉", None, ("melon",)),
    _c("guitar", "🎸", None, ()),
    _c("balloon", "🎈", None, ()),
    _c("gift", "🎁", None, ("present",)),
    _c("key", "🔑", None, ()),
    _c("crown", "👑", None, ("tiara",)),
    _c("helicopter", "🚁", None, ("chopper",)),
    _c("tractor", "🚜", None, ()),
]

CONCEPT_BY_NAME = {c.name: c for c in CONCEPTS}
CLASS_NAMES = [c.name for c in CONCEPTS]  # judge class i+1 is CLASS_NAMES[i]; 0 is background


@dataclass(frozen=True)
class Colour:
    name: str
    rgb: tuple
    synonyms: tuple = ()


COLOURS = [
    Colour("red", (214, 40, 40), ("crimson", "scarlet")),
    Colour("orange", (247, 127, 0), ("amber",)),
    Colour("yellow", (250, 214, 30), ("golden", "lemon")),
    Colour("green", (56, 158, 60), ("emerald", "lime")),
    Colour("blue", (40, 90, 210), ("azure", "cobalt")),
    Colour("purple", (128, 60, 170), ("violet", "lavender")),
    Colour("pink", (245, 130, 185), ("rose", "magenta")),
    Colour("brown", (120, 75, 40), ("chocolate", "coffee brown")),
    Colour("black", (20, 20, 22), ("jet black", "dark")),
    Colour("white", (245, 245, 242), ("snow white", "ivory")),
    Colour("gray", (128, 128, 128), ("grey", "silver")),
    Colour("teal", (0, 150, 150), ("turquoise", "cyan")),
]
COLOUR_BY_NAME = {c.name: c for c in COLOURS}

TEXTURES = ["solid", "striped", "dotted", "gradient"]
TEXTURE_SYNONYMS = {"striped": ("stripy", "with stripes"), "dotted": ("polka dot", "spotted"),
                    "gradient": ("fading", "shaded")}

SIZES = ["small", "medium", "large"]  # medium is never named in canonical prompts
SIZE_PIXELS = {"small": 16, "medium": 22, "large": 34}
SIZE_SYNONYMS = {"small": ("tiny", "little"), "large": ("big", "huge")}

# Absolute positions: name -> (column, row) on a 3x3 grid, -1/0/1.
POSITIONS = {
    "center": (0, 0), "left": (-1, 0), "right": (1, 0), "top": (0, -1), "bottom": (0, 1),
    "top left": (-1, -1), "top right": (1, -1), "bottom left": (-1, 1), "bottom right": (1, 1),
}
POSITION_PHRASES = {
    "center": "in the center", "left": "on the left", "right": "on the right",
    "top": "at the top", "bottom": "at the bottom",
    "top left": "in the top left corner", "top right": "in the top right corner",
    "bottom left": "in the bottom left corner", "bottom right": "in the bottom right corner",
}
RELATIONS = {  # name -> (dx, dy) of the first object relative to the second
    "left of": (-1, 0), "right of": (1, 0), "above": (0, -1), "below": (0, 1),
}
RELATION_PHRASES = {"left of": "to the left of", "right of": "to the right of",
                    "above": "above", "below": "below"}
COUNT_WORDS = {1: "one", 2: "two", 3: "three"}

IMAGE_SIZE = 64


def export_world_json(path):
    world = {
        "image_size": IMAGE_SIZE,
        "concepts": [{"name": c.name, "plural": c.plural, "emoji": c.emoji, "synonyms": list(c.synonyms),
                      "coco": c.coco} for c in CONCEPTS],
        "colours": [{"name": c.name, "rgb": list(c.rgb), "synonyms": list(c.synonyms)} for c in COLOURS],
        "textures": TEXTURES,
        "sizes": {k: v for k, v in SIZE_PIXELS.items()},
        "positions": {k: list(v) for k, v in POSITIONS.items()},
        "position_phrases": POSITION_PHRASES,
        "relations": {k: list(v) for k, v in RELATIONS.items()},
        "relation_phrases": RELATION_PHRASES,
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(world, f, ensure_ascii=False, indent=1)
