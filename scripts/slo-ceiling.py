#!/usr/bin/env python3
"""What deadline scheduling could attain on bench slo's workload: an estimate, not a measurement.

A single server whose batch of n jobs costs n lone steps (this CPU, to first order), fed the same mix as
`bench slo` (src/Diffusion.Lab/Slo/SloBenchOptions.cs: the cache trace's K mix, 30 % with a five-step
expansion, 20 % batch class, interactive due at twice its standalone work). Loads are multiples of the
true capacity. Two policies: first come first served, and a near-optimal one (earliest due first among
the interactive requests that can still make it, preemptive at step boundaries, shedding the longest by
Moore and Hodgson's rule when not all can; late and batch work fill the idle time). Their ratio where
FCFS attains 50 % is the ceiling the `slo_attainment_gain` bar is measured against (docs/engine-bench.md).

    /usr/bin/python3 scripts/slo-ceiling.py [--seeds 40] [--requests 80]
"""
import argparse
import random
import statistics

STEPS = 50
EXPANSION = 5.0  # an expansion alone costs about five lone steps (58 ms against 12 ms)
HIT_MIX = [(10, 1454 / 1600), (15, 81 / 1600), (25, 5 / 1600)]


def workload(rate, count, seed):
    rng = random.Random(seed)
    clock, jobs = 0.0, []
    for _ in range(count):
        clock += rng.expovariate(rate)
        roll, k = rng.random(), 0
        for hit_k, share in HIT_MIX:
            if roll < share:
                k = hit_k
                break
            roll -= share
        work = (STEPS - k) + (EXPANSION if rng.random() < 0.3 else 0)
        batch = rng.random() < 0.2
        jobs.append(dict(arrival=clock, work=work, batch=batch, due=None if batch else clock + 2 * work))
    return jobs


def mean_work():
    hits = sum(share * (STEPS - k) for k, share in HIT_MIX)
    return hits + (1 - sum(share for _, share in HIT_MIX)) * STEPS + 0.3 * EXPANSION


def fcfs(jobs):
    clock, met, interactive = 0.0, 0, 0
    for job in sorted(jobs, key=lambda j: j["arrival"]):
        clock = max(clock, job["arrival"]) + job["work"]
        if not job["batch"]:
            interactive += 1
            met += clock <= job["due"]
    return met / interactive


def shedding_edf(jobs):
    jobs = sorted(jobs, key=lambda j: j["arrival"])
    for job in jobs:
        job["left"], job["shed"] = job["work"], False
    clock, next_arrival, live, met = 0.0, 0, [], 0
    interactive = sum(not j["batch"] for j in jobs)
    while next_arrival < len(jobs) or live:
        if not live and jobs[next_arrival]["arrival"] > clock:
            clock = jobs[next_arrival]["arrival"]
        while next_arrival < len(jobs) and jobs[next_arrival]["arrival"] <= clock:
            live.append(jobs[next_arrival])
            next_arrival += 1
        in_time = [j for j in live if not j["batch"] and not j["shed"] and clock + j["left"] <= j["due"]]
        while True:  # Moore and Hodgson: shed the longest while the earliest-due-first order misses
            in_time.sort(key=lambda j: j["due"])
            finish, missed = clock, None
            for j in in_time:
                finish += j["left"]
                if finish > j["due"] + 1e-9:
                    missed = j
                    break
            if missed is None:
                break
            longest = max(in_time[: in_time.index(missed) + 1], key=lambda j: j["left"])
            longest["shed"] = True
            in_time.remove(longest)
        current = in_time[0] if in_time else min(live, key=lambda j: (j["batch"], j["due"] or float("inf"), j["arrival"]))
        until = jobs[next_arrival]["arrival"] if next_arrival < len(jobs) else float("inf")
        run = min(current["left"], max(1.0, until - clock))
        clock += run
        current["left"] -= run
        if current["left"] <= 1e-9:
            live.remove(current)
            if not current["batch"]:
                met += clock <= current["due"] + 1e-9
    return met / interactive


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--requests", type=int, default=80)
    args = parser.parse_args()
    capacity = 1 / mean_work()
    for load in [0.5, 0.667, 0.75, 0.9, 1.0, 1.25, 1.5]:
        runs = [workload(load * capacity, args.requests, seed) for seed in range(args.seeds)]
        base = statistics.mean(fcfs([dict(j) for j in r]) for r in runs)
        best = statistics.mean(shedding_edf([dict(j) for j in r]) for r in runs)
        print(f"load {load:.3f}: fcfs {base:.3f}  shedding edf {best:.3f}  ratio {best / base:.2f}")


if __name__ == "__main__":
    main()
