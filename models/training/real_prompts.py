"""Reads the real prompt sets (../shared/data/prompts by default) as plain strings.

Every caller takes a path, so that a clone without the data still trains (on emoji-world prompts
only) and nothing from the data set is committed."""

import csv
import json
import os

# column holding the prompt, per file name prefix
_TSV_COLUMNS = ("prompt", "Prompt", "text", "caption")


def load(directory):
    """Returns a list of (source_file, prompt) for every prompt found; [] when the folder is absent."""
    if not directory or not os.path.isdir(directory):
        return []
    out = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if name.endswith(".tsv"):
            with open(path, encoding="utf-8") as f:
                header = f.readline().rstrip("\n").split("\t")
                col = next((header.index(c) for c in _TSV_COLUMNS if c in header), None)
                if col is None:
                    continue
                for line in f:
                    parts = line.rstrip("\n").split("\t")
                    if col < len(parts) and parts[col].strip():
                        out.append((name, parts[col].strip()))
        elif name.endswith(".csv"):
            with open(path, encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    p = row.get("Prompts") or row.get("prompt") or row.get("Prompt")
                    if p and p.strip():
                        out.append((name, p.strip()))
        elif name.endswith(".jsonl"):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    line = line.strip()
                    if line:
                        p = json.loads(line).get("prompt")
                        if isinstance(p, str) and p.strip():
                            out.append((name, p.strip()))
    return out


def load_krea_trace(directory):
    """The timestamped Discord sample: list of (unix_seconds, prompt, seed), rows with a timestamp."""
    path = os.path.join(directory or "", "krea-open-prompts-1k.tsv")
    if not os.path.isfile(path):
        return []
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        ip, it, isd = header.index("prompt"), header.index("timestamp"), header.index("seed")
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) > it and parts[it].strip():
                rows.append((int(float(parts[it])), parts[ip], parts[isd]))
    rows.sort()
    return rows
