#!/usr/bin/env python3
"""Derives the request-trace parameters from the real prompt logs and writes trace-params.json.

The trace generator (src/Diffusion.Lab/Traces) reads the numbers measured here: how often users
resend a prompt, how skewed the popularity of repeated prompts is, how often a request is a small
edit of an earlier one, and how far apart requests arrive. Only these numbers are committed, never
the logs. Plain python3, no third-party packages, no randomness: the output is a pure function of
the input files.

Usage: scripts/derive-trace-params.py [PROMPTS_DIR] [--output FILE]
PROMPTS_DIR defaults to ../shared/data/prompts relative to the repository root.

The C# statistics (TraceStatistics) use the same definitions, so `diffusion trace stats` on a
generated trace can be compared with the numbers below:
- prompts are compared after lower-casing and collapsing whitespace;
- a request is a repeat when its prompt occurred earlier in the log;
- a request is a small edit of a prompt when their word-level edit distance d satisfies
  0 < d <= SMALL_EDIT_RELATIVE * (words in the longer of the two);
- the Zipf exponent is minus the least-squares slope of log(frequency) on log(rank).
"""

import argparse
import hashlib
import json
import math
import os
import sys
from collections import Counter, defaultdict

SMALL_EDIT_RELATIVE = 0.4  # every one-attribute edit of a canonical emoji prompt lies within this
HEAD_MIN_COUNT = 4         # prompts seen this often or more count as "popular"
# Levels of the inter-arrival quantile table: every percentile, then finer steps in the top one,
# where a few long gaps (nights, outages) carry much of the mean.
QUANTILE_LEVELS = [i / 100 for i in range(100)] + [0.995, 0.999, 1.0]

MIDJOURNEY = "midjourney-prompts-succinctly.tsv"
IMAGEREWARD = "imagereward-refl-10k.tsv"
KREA = "krea-open-prompts-1k.tsv"


# --- reading ------------------------------------------------------------------------------------

def read_tsv(path):
    """Rows of a headed, unquoted TSV as dicts (the SOURCES.md convention)."""
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = []
        for line in f:
            fields = line.rstrip("\n").split("\t")
            rows.append(dict(zip(header, fields)))
    return rows


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def normalize(prompt):
    return " ".join(prompt.lower().split())


def is_user_prompt(prompt):
    """False for the fragments the Midjourney scrape is full of: bare flags ('--uplight'), aspect
    ratios ('16:9') and single words ('render'); about half its rows are such fragments, and they
    would dominate every repeat statistic. Applied to every log alike."""
    words = prompt.split()
    return len(words) >= 2 and not words[0].startswith(("-", "\u2014"))


# --- measures -----------------------------------------------------------------------------------

def word_edit_distance(a, b):
    """Levenshtein distance over word lists."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, wa in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, wb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (wa != wb))
        previous = current
    return previous[-1]


def small_edit_distance(a_words, b_words):
    """The word edit distance when b is a small edit of a, else None."""
    longest = max(len(a_words), len(b_words))
    limit = SMALL_EDIT_RELATIVE * longest
    if abs(len(a_words) - len(b_words)) > limit:
        return None
    # every kept word is matched by an equal word, so d >= longest - (words the two share); this
    # cheap bound skips most of the quadratic distance computations
    shared = sum((Counter(a_words) & Counter(b_words)).values())
    if longest - shared > limit:
        return None
    d = word_edit_distance(a_words, b_words)
    return d if 0 < d <= limit else None


def repeat_rate(prompts):
    """Fraction of requests whose prompt occurred earlier in the log (order does not matter)."""
    return (len(prompts) - len(set(prompts))) / len(prompts) if prompts else 0.0


def least_squares_slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def zipf_exponent(counts):
    """Minus the least-squares slope of log(count) on log(rank), counts sorted descending."""
    counts = sorted(counts, reverse=True)
    if len(counts) < 3:
        return None
    xs = [math.log(rank) for rank in range(1, len(counts) + 1)]
    ys = [math.log(c) for c in counts]
    return -least_squares_slope(xs, ys)


def popularity(prompts):
    counts = Counter(prompts)
    repeated = [c for c in counts.values() if c >= 2]
    head = [c for c in repeated if c >= HEAD_MIN_COUNT]
    repeats = sum(c - 1 for c in repeated)
    return {
        "distinctPrompts": len(counts),
        "repeatedPrompts": len(repeated),
        "zipfExponent": zipf_exponent(repeated),
        "headPrompts": len(head),
        "headZipfExponent": zipf_exponent(head),
        "headShareOfRepeats": sum(c - 1 for c in head) / repeats if repeats else 0.0,
        "topCounts": sorted(repeated, reverse=True)[:10],
    }


def edits_against_any_earlier(prompts):
    """For logs without users: the requests that are a small edit of some earlier, different
    prompt of the log (requests that are exact repeats are not edits). Candidates are the earlier
    prompts that share the first two or the last two words, so this is a lower bound: an edit that
    touches both ends of a prompt is missed."""
    blocks = defaultdict(list)
    seen = set()
    distances = []
    for prompt in prompts:
        words = prompt.split()
        keys = (("head",) + tuple(words[:2]), ("tail",) + tuple(words[-2:]))
        if prompt not in seen:
            best = None
            candidates = {q for key in keys for q in blocks[key]}
            for other in sorted(candidates):
                d = small_edit_distance(other.split(), words)
                if d is not None and (best is None or d < best):
                    best = d
            if best is not None:
                distances.append(best)
            seen.add(prompt)
            for key in keys:
                blocks[key].append(prompt)
    return distances


def histogram(distances, cap=10):
    h = Counter(min(d, cap) for d in distances)
    return {(str(d) if d < cap else f"{cap}+"): h.get(d, 0) for d in range(1, cap + 1)}


def quantile(sorted_values, q):
    """Linear interpolation between closest ranks (numpy's default)."""
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def gap_summary(gaps, table):
    gaps = sorted(gaps)
    mean = sum(gaps) / len(gaps)
    sd = math.sqrt(sum((g - mean) ** 2 for g in gaps) / (len(gaps) - 1))
    positive = [math.log(g) for g in gaps if g > 0]
    mu = sum(positive) / len(positive)
    sigma = math.sqrt(sum((x - mu) ** 2 for x in positive) / (len(positive) - 1))
    out = {
        "count": len(gaps),
        "meanSeconds": mean,
        "medianSeconds": quantile(gaps, 0.5),
        "cv": sd / mean,
        "logNormal": {"mu": mu, "sigma": sigma, "zeroFraction": (len(gaps) - len(positive)) / len(gaps)},
    }
    if table:
        out["quantileLevels"] = QUANTILE_LEVELS
        out["quantileSeconds"] = [quantile(gaps, q) for q in QUANTILE_LEVELS]
    else:
        out["quantileSeconds"] = {f"p{int(q * 100)}": quantile(gaps, q)
                                  for q in (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)}
    return out


# --- the logs -----------------------------------------------------------------------------------

def midjourney(directory):
    rows = read_tsv(os.path.join(directory, MIDJOURNEY))
    prompts = [normalize(r["prompt"]) for r in rows]
    kept = [p for p in prompts if is_user_prompt(p)]
    return rows, kept


def imagereward(directory):
    rows = read_tsv(os.path.join(directory, IMAGEREWARD))
    # the DiffusionDB part number in the id roughly follows time; the id is unique, so the order is total
    rows.sort(key=lambda r: r["image"])
    kept = [p for p in (normalize(r["text"]) for r in rows) if is_user_prompt(p)]
    return rows, kept


def channel_of(image_uri):
    marker = "attachments/"
    at = image_uri.find(marker)
    if at < 0:
        return None
    return image_uri[at + len(marker):].split("/", 1)[0]


def krea(directory):
    rows = read_tsv(os.path.join(directory, KREA))
    all_prompts = [p for p in (normalize(r["prompt"]) for r in rows) if is_user_prompt(p)]
    timed = []
    for r in rows:
        channel = channel_of(r.get("image_uri", ""))
        if r["timestamp"] and channel:
            timed.append((int(r["timestamp"]), channel, normalize(r["prompt"])))
    timed.sort()  # by time, ties by channel then prompt: deterministic
    return rows, all_prompts, timed


def krea_sessions(timed):
    """Same-channel previous prompt: small edits, exact resends, and the gaps."""
    last = {}
    edits, same, channel_gaps = [], 0, []
    for t, channel, prompt in timed:
        if channel in last:
            t0, p0 = last[channel]
            channel_gaps.append(t - t0)
            if prompt == p0:
                same += 1
            else:
                d = small_edit_distance(p0.split(), prompt.split())
                if d is not None:
                    edits.append(d)
        last[channel] = (t, prompt)
    overall_gaps = [b[0] - a[0] for a, b in zip(timed, timed[1:])]
    return edits, same, channel_gaps, overall_gaps


def rounded(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def derive(directory):
    mj_rows, mj = midjourney(directory)
    ir_rows, ir = imagereward(directory)
    kr_rows, kr_all, kr_timed = krea(directory)

    mj_pop, ir_pop = popularity(mj), popularity(ir)
    mj_edits = edits_against_any_earlier(mj)
    ir_edits = edits_against_any_earlier(ir)
    kr_edits, kr_same, kr_channel_gaps, kr_gaps = krea_sessions(kr_timed)
    channel_counts = Counter(channel for _, channel, _ in kr_timed)

    inputs = {name: {"rows": len(rows), "keptAsUserPrompts": len(kept), "sha256": sha256(os.path.join(directory, name))}
              for name, rows, kept in ((MIDJOURNEY, mj_rows, mj), (IMAGEREWARD, ir_rows, ir), (KREA, kr_rows, kr_all))}

    return {
        "schema": 1,
        "derivedBy": "scripts/derive-trace-params.py",
        "inputs": inputs,
        "normalization": "prompts lower-cased with whitespace collapsed; a row counts as a user prompt "
                         "when it has at least two words and does not start with a flag ('-', '\u2014'), "
                         "which drops the Midjourney scrape's bare flags, aspect ratios and single words",
        "smallEdit": {
            "relativeThreshold": SMALL_EDIT_RELATIVE,
            "definition": "b is a small edit of a when their word-level Levenshtein distance d satisfies "
                          "0 < d <= relativeThreshold * max(words(a), words(b)); every one-attribute edit "
                          "of a canonical emoji prompt lies within it (the largest is a position change, "
                          "4 of 11 words)",
        },
        "repeatRate": {
            "value": repeat_rate(mj),
            "source": "Midjourney log (user prompts kept): fraction of requests whose prompt occurred "
                      "earlier. Chosen over the other two because it is a contiguous scrape; the ReFL "
                      "10k set and the krea 1k set are small samples of much larger streams, and "
                      "sampling a stream thins its repeats",
            "midjourney": repeat_rate(mj),
            "imageReward": repeat_rate(ir),
            "krea": repeat_rate(kr_all),
        },
        "popularity": {
            "zipfExponent": mj_pop["zipfExponent"],
            "zipfSource": "Midjourney log: least squares of log(count) on log(rank) over every prompt seen "
                          "at least twice; the many prompts seen exactly twice flatten this fit",
            "headMinCount": HEAD_MIN_COUNT,
            "headZipfExponent": mj_pop["headZipfExponent"],
            "headShareOfRepeats": mj_pop["headShareOfRepeats"],
            "headSource": f"Midjourney log, prompts seen at least {HEAD_MIN_COUNT} times: the same fit over "
                          "them (the popularity of the popular pool) and their share of all repeat requests "
                          "(the rest are users resending their own prompt)",
            "midjourney": mj_pop,
            "imageReward": ir_pop,
        },
        "edits": {
            "fraction": len(mj_edits) / len(mj),
            "source": "Midjourney log: fraction of requests that are a small edit of some earlier, "
                      "different prompt (candidates share the first or last two words). The log has no "
                      "users and is not in time order, so this stands in for 'a small edit of the same "
                      "user's previous prompt'",
            "distanceHistogram": histogram(mj_edits),
            "imageRewardFraction": len(ir_edits) / len(ir),
            "imageRewardDistanceHistogram": histogram(ir_edits),
            "kreaSameChannelFraction": len(kr_edits) / len(kr_timed),
            "kreaSameChannelResendFraction": kr_same / len(kr_timed),
            "kreaSameChannelDistances": sorted(kr_edits),
            "kreaSource": "krea sample sorted by timestamp, channel id from image_uri: fraction of requests "
                          "that are a small edit of the same channel's previous prompt. Near zero because "
                          "the sample keeps about 1 request in many (median same-channel gap is hours), so "
                          "sessions are not visible in it; reported, not used",
        },
        "interArrival": {
            "source": "krea sample, timestamped rows sorted by time: gaps between consecutive requests "
                      "overall and per channel. The sample thins the real stream, so the absolute rate is "
                      "low; the shape (quantiles, cv) is what the generator reuses, and its time scale "
                      "option compresses it",
            "overall": gap_summary(kr_gaps, table=True),
            "perChannel": gap_summary(kr_channel_gaps, table=False),
        },
        "users": {
            "count": len(channel_counts),
            "activityZipfExponent": zipf_exponent(list(channel_counts.values())),
            "source": "krea sample: distinct channels, and the least-squares Zipf fit of requests per channel",
        },
    }


def main(argv):
    repo_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("prompts", nargs="?", default=os.path.join(repo_root, "..", "shared", "data", "prompts"),
                        help="folder with the prompt sets (default: ../shared/data/prompts from the repo root)")
    parser.add_argument("--output", "-o",
                        default=os.path.join(repo_root, "src", "Diffusion.Lab", "Traces", "trace-params.json"))
    args = parser.parse_args(argv)
    for name in (MIDJOURNEY, IMAGEREWARD, KREA):
        path = os.path.join(args.prompts, name)
        if not os.path.isfile(path):
            parser.error(f"missing {path}; pass the prompts folder as the first argument")
    params = rounded(derive(args.prompts))
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        json.dump(params, f, ensure_ascii=False, indent=1)
        f.write("\n")
    os.replace(tmp, args.output)
    print(f"wrote {args.output}")
    print(f"repeat rate {params['repeatRate']['value']:.4f}, edit fraction {params['edits']['fraction']:.4f}, "
          f"zipf {params['popularity']['zipfExponent']:.3f} (head {params['popularity']['headZipfExponent']:.3f}), "
          f"median gap {params['interArrival']['overall']['medianSeconds']:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
