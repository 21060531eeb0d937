#!/usr/bin/env python3
"""Generate a synthetic region-size instance (spreiding/instance@1) for benchmarks.

Usage, from the repository root:

    python3 instances/gen/make_region.py --areas 500 --practices 300 --phases 12 -o out/region.json

Python 3.11, standard library only, deterministic for a given --seed. Everything is synthetic:
a square region of ~40 x 40 km (RD New coordinates) with towns; areas and practices cluster
around the towns; practices hold ~5-15% more patients than the 2,095 norm per FTE, most
patients live within walking distance but a quarter are registered further away; NONIs in a
few areas; some practices close, some grow. The shape (share of full practices, care weights
1.0-1.3, per-phase limits) follows instances/enschede.json so the benchmark measures the same
kind of model at a larger size.
"""

import argparse
import json
import math
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", type=int, default=500)
    ap.add_argument("--practices", type=int, default=300)
    ap.add_argument("--phases", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    r = random.Random(args.seed)

    towns = [(r.uniform(0, 40000), r.uniform(0, 40000)) for _ in range(max(3, args.areas // 40))]
    districts = [f"D{i:02d}" for i in range(len(towns) * 3)]

    def near_town():
        t = r.randrange(len(towns))
        x, y = towns[t]
        return t, x + r.gauss(0, 1500), y + r.gauss(0, 1500)

    areas = []
    for a in range(args.areas):
        t, x, y = near_town()
        areas.append({
            "id": f"A{a:04d}",
            "district": districts[t * 3 + r.randrange(3)],
            "location": {"x": round(x, 1), "y": round(y, 1)},
            "residents": 0,
            "noni": r.choice([0, 0, 0, 0, 5, 20, 60]),
            "care_weight": r.choice([1.0, 1.0, 1.0, 1.1, 1.15, 1.3]),
        })
    practices = []
    for p in range(args.practices):
        t, x, y = near_town()
        fte = r.choice([0.8, 1.0, 1.0, 1.5, 2.0, 2.4, 3.0, 4.0])
        changes = []
        u = r.random()
        if u < 0.03:
            changes.append({"phase": r.randint(2, args.phases), "closes": True})
        elif u < 0.15:
            changes.append({"phase": r.randint(2, args.phases), "fte": round(fte + r.choice([0.5, 1.0]), 2)})
        practices.append({
            "id": f"P{p:04d}",
            "district": districts[t * 3 + r.randrange(3)],
            "location": {"x": round(x, 1), "y": round(y, 1)},
            "fte": fte,
            "accepting": r.random() > 0.1,
            "changes": changes,
        })
    # Registrations: each practice's list, ~1.05-1.15 x norm x fte weighted patients, from
    # the nearest areas mostly and some far ones.
    regs = {}
    for p, pr in enumerate(practices):
        px, py = pr["location"]["x"], pr["location"]["y"]
        by_dist = sorted(range(len(areas)), key=lambda a: math.hypot(areas[a]["location"]["x"] - px, areas[a]["location"]["y"] - py))
        target = pr["fte"] * 2095 * r.uniform(1.05, 1.15)
        near = by_dist[:8]
        far = r.sample(by_dist[8:60], 4)
        shares = [r.uniform(1, 3) for _ in near] + [r.uniform(0.2, 1) for _ in far]
        total = sum(shares)
        for a, s in zip(near + far, shares):
            n = int(target * s / total / areas[a]["care_weight"])
            if n > 0:
                regs[(a, p)] = regs.get((a, p), 0) + n
    registrations = [
        {"area": areas[a]["id"], "practice": practices[p]["id"], "patients": n}
        for (a, p), n in sorted(regs.items())
    ]
    for (a, _), n in regs.items():
        areas[a]["residents"] += n
    for a in areas:
        a["residents"] += a["noni"]
    inst = {
        "format": "spreiding/instance@1",
        "name": f"Synthetic region {args.areas}x{args.practices}x{args.phases} (seed {args.seed})",
        "policy": {
            "norm_per_fte": 2095,
            "ceiling_ratio": 1.0,
            "max_walk_m": 2500,
            "detour_factor": 1.3,
            "phases": args.phases,
            "max_moves_per_phase": 20 * args.practices,
            "max_intake_per_phase": 150,
            "max_outflow_per_phase": 150,
        },
        "areas": areas,
        "practices": practices,
        "registrations": registrations,
    }
    with open(args.output, "w") as f:
        json.dump(inst, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
