"""Regenerates the whole model family from one seed: `/usr/bin/python3 models/training/train_all.py`.

Stages run as separate processes so independent ones share the two cores (one thread each works out
faster than two threads for one, since small matrix products scale poorly):
  tokenizer -> (clip || vae) -> trainset -> (denoiser || decoder, llm, judge) -> export -> evaluate
(trainset renders and encodes the denoiser's training set and sprite memory once, training_set.py)
Each finished stage leaves `.work/<stage>.done`; rerunning skips finished stages and resumes an
interrupted one from its last checkpoint. `--force STAGE` reruns a stage."""

import argparse
import os
import subprocess
import sys
import time

import common

HERE = os.path.dirname(os.path.abspath(__file__))

# vae: the encoder stops at step 1,500 of a 3,000-step schedule (its decoder trains on alone); trainset: scenes
STEPS = {"clip": 1500, "vae": 1500, "decoder": 4000, "trainset": 100000, "denoiser": 7000, "llm": 2400, "judge": 1400}
QUICK = {"clip": 20, "vae": 20, "decoder": 10, "trainset": 10000, "denoiser": 20, "llm": 10, "judge": 10}
VAE_HORIZON = 3000


def done_marker(stage):
    return common.work_path(f"{stage}.done")


def launch(stage, args, threads):
    # OpenBLAS threads of its own fight OpenMP's for the two cores (measured: 1.47 s/step for the UNet
    # with both, 0.59 s with OpenBLAS single-threaded)
    env = dict(os.environ, TRAIN_THREADS=str(threads), PYTHONUNBUFFERED="1", OPENBLAS_NUM_THREADS="1")
    log = open(common.work_path(f"{stage}.log"), "a")
    common.log("train_all", f"starting {stage} {' '.join(args)} ({threads} thread(s)), log .work/{stage}.log")
    script = {"export": "export.py", "evaluate": "evaluate.py", "trainset": "training_set.py"}.get(stage, f"stage_{stage}.py")
    return subprocess.Popen([sys.executable, os.path.join(HERE, script)] + args,
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=HERE), log


def run_parallel(jobs):
    """jobs: list of (stage, args, threads); a stage already done is skipped."""
    running = []
    for stage, args, threads in jobs:
        if os.path.exists(done_marker(stage)):
            common.log("train_all", f"{stage}: already done")
            continue
        running.append((stage,) + launch(stage, args, threads))
    for stage, proc, log in running:
        if proc.wait() != 0:
            raise SystemExit(f"stage {stage} failed; see models/training/.work/{stage}.log")
        log.close()
        open(done_marker(stage), "w").close()
        common.log("train_all", f"{stage}: done")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1, help="base seed; every stage derives its own (default 1)")
    ap.add_argument("--prompts", default=common.DEFAULT_PROMPTS_DIR,
                    help="folder of real prompt sets for the tokenizer (default ../shared/data/prompts; "
                         "absent = emoji-world prompts only)")
    ap.add_argument("--quick", action="store_true", help="a few steps per stage: checks the plumbing only")
    ap.add_argument("--force", action="append", default=[], help="rerun this stage (repeatable)")
    a = ap.parse_args()
    steps = QUICK if a.quick else STEPS
    if a.quick and not os.environ.get("TRAIN_MODELS_DIR"):
        raise SystemExit("--quick needs TRAIN_MODELS_DIR and TRAIN_WORK_DIR pointing elsewhere, "
                         "so it cannot overwrite the shipped models")
    for stage in a.force:
        for p in (done_marker(stage), common.work_path(f"{stage}.pt")):
            if os.path.exists(p):
                os.remove(p)
    t0 = time.time()
    s = a.seed
    run_parallel([("tokenizer", [str(s), a.prompts], 2)])
    run_parallel([("clip", [str(s * 10 + 1), str(steps["clip"])], 1),
                  ("vae", [str(s * 10 + 2), str(steps["vae"]), str(VAE_HORIZON if not a.quick else steps["vae"])], 1)])
    run_parallel([("trainset", ["--scenes", str(steps["trainset"]), "--seed", str(s * 10 + 8)], 2)])
    # the decoder refinement, the LLM and the judge take one core in turn while the denoiser has the other
    import threading

    def side_stages():
        for stage, seed in (("decoder", s * 10 + 4), ("llm", s * 10 + 5), ("judge", s * 10 + 7)):
            run_parallel([(stage, [str(seed), str(steps[stage])], 1)])
    side = threading.Thread(target=side_stages)
    side.start()
    run_parallel([("denoiser", [str(s * 10 + 3), str(steps["denoiser"])], 2)])
    side.join()
    run_parallel([("export", [], 2)])
    run_parallel([("evaluate", ["32"] if a.quick else [], 2)])
    common.log("train_all", f"finished in {(time.time() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
