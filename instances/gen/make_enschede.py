#!/usr/bin/env python3
"""Generate instances/enschede.json, the Enschede example of spreiding/instance@1.

Usage, from the repository root:

    python3 instances/gen/make_enschede.py            # (re)writes instances/enschede.json
    python3 instances/gen/make_enschede.py --check instances/small/*.json

Python 3.11, standard library only. Deterministic: one random.Random(20261123), fixed iteration
orders and sorted output, so running it again gives a byte-identical file.

Inputs (read only): ../shared/data/enschede/enschede_pc4.csv (CBS population per PC4 on
1 January 2021 and a point inside each PC4 polygon; Bron: CBS, CC BY 4.0).

What is public fact and what is synthetic is listed in instances/README.md. In short: areas,
residents and locations are CBS data; the 2,095 norm, the 1,194 NONIs, Twentse Oorsprong
(2,100 -> 4,000), Carèns (7,300 -> 10,000) and a closure leaving ~1,000 patients are public
figures; every practice (name, place, FTE, list and where its patients live), the NONI spread,
the care weights and the uncertain neighbourhood names are made up here.
"""

import argparse
import csv
import json
import math
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "enschede"
OUT = REPO / "instances" / "enschede.json"
SEED = 20261123

NORM = 2095
PHASES = 4
EARTH_RADIUS_M = 6_371_000.0

# NONIs: 1,194 reported to insurers (NZa monitor, March 2025) plus ~300 more seen by the
# passantenpraktijk THOEN; the total is a modelling choice.
NONI_TOTAL = 1194 + 300

# PC4 -> (neighbourhood name, district, NONI factor, care weight, name is fairly certain).
# Uncertain names (False) are a best guess and marked synthetic in instances/README.md.
# District = Enschede's stadsdeel, taken from the stadsdelen's neighbourhood lists where the
# PC4 -> neighbourhood mapping is known, else from the bearing to the city centre.
# NONI factor: relative share of residents without a GP (newcomers, status holders, students);
# 0 in the thinly populated outskirts. Care weight: 1.15 in Enschede-Zuid, 1.10 in three
# low-income areas, else 1.0.
AREAS = {
    "7511": ("Binnenstad / Stadsweide", "Centrum", 2.0, 1.0, True),
    "7512": ("De Laares / Getfert", "Centrum", 1.5, 1.0, False),
    "7513": ("Boddenkamp / De Bothoven", "Centrum", 1.2, 1.0, False),
    "7514": ("Lasonder-Zeggelt", "Centrum", 1.0, 1.0, True),
    "7521": ("Twekkelerveld / Tubantia-Toekomst", "West", 1.3, 1.1, True),
    "7522": ("Universiteit / Walhof-Roessingh", "Noord", 1.6, 1.0, True),
    "7523": ("Roombeek / Mekkelholt / Deppenbroek", "Noord", 0.8, 1.0, True),
    "7524": ("Lonneker", "Noord", 0.1, 1.0, True),
    "7525": ("Buitengebied Lonneker-Oost", "Noord", 0.0, 1.0, False),
    "7531": ("Ribbelt / Stokhorst / Schreurserve", "Oost", 0.6, 1.0, False),
    "7532": ("Glanerbrug-Noord / Dolphia", "Oost", 0.5, 1.0, False),
    "7533": ("Velve-Lindenhof", "Oost", 2.5, 1.1, False),
    "7534": ("Glanerbrug-Zuid / De Eschmarke", "Oost", 0.6, 1.0, False),
    "7535": ("'t Hogeland / Wooldrik", "Oost", 1.2, 1.0, False),
    "7536": ("Buitengebied Broekheurne", "Zuid", 0.0, 1.15, False),
    "7541": ("Varvik-Diekman / De Leuriks", "Oost", 1.0, 1.0, False),
    "7542": ("Stroinkslanden", "Zuid", 1.0, 1.15, True),
    "7543": ("Pathmos / Stevenfenne", "West", 1.8, 1.1, False),
    "7544": ("Wesselerbrink", "Zuid", 2.2, 1.15, True),
    "7545": ("Stadsveld / 't Zwering / Ruwenbos", "West", 0.7, 1.0, False),
    "7546": ("Helmerhoek / Usselo", "Zuid", 1.6, 1.15, False),
    "7547": ("Twekkelo / Marssteden", "West", 0.0, 1.0, False),
    "7548": ("Boekelo", "West", 0.1, 1.0, True),
}

# Practices, all synthetic except the three named in the public figures. kind: S solo
# (1.0-1.2 FTE), D duo (1.6-2.2), G group (3.0-4.5); the three fixed ones carry their own
# numbers. host = the PC4 the practice is placed in (with < 600 m jitter).
PRACTICES = [
    ("7511", "Huisartsenpraktijk Oude Markt", "D"),
    ("7511", "Huisartsen Stadsweide", "D"),
    ("7512", "Huisartsenpraktijk Getfert", "closing"),
    ("7512", "Huisartsen De Laares", "D"),
    ("7513", "Huisartsen De Boddenkamp", "D"),
    ("7514", "Huisartsenpraktijk Lasonder", "S"),
    ("7514", "Huisartsen Het Zeggelt", "S"),
    ("7521", "Huisartsen Twekkelerveld", "D"),
    ("7521", "Huisartsen Tubantia", "D"),
    ("7522", "Studentenhuisartsen Campus", "D"),
    ("7522", "Huisartsenpraktijk Walhof", "S"),
    ("7523", "Gezondheidscentrum Roombeek", "G"),
    ("7523", "Huisartsen Deppenbroek", "D"),
    ("7524", "Huisartsenpraktijk Lonneker", "S"),
    ("7531", "Twentse Oorsprong", "twentse_oorsprong"),
    ("7531", "Huisartsen 't Ribbelt", "D"),
    ("7531", "Huisartsenpraktijk Stokhorst", "S"),
    ("7532", "Huisartsen Glanerbrug-Noord", "D"),
    ("7533", "Huisartsenpraktijk Velve-Lindenhof", "S"),
    ("7533", "Huisartsen Lindenhof", "S"),
    ("7534", "Gezondheidscentrum Glanerbrug", "G"),
    ("7534", "Huisartsenpraktijk De Eschmarke", "S"),
    ("7535", "Huisartsen 't Hogeland", "S"),
    ("7541", "Carèns", "carens"),
    ("7541", "Huisartsenpraktijk Het Varvik", "S"),
    ("7542", "Huisartsen Stroinkslanden", "D"),
    ("7542", "Huisartsen Het Diekman", "D"),
    ("7542", "Huisartsenpraktijk Stroinkslanden-Oost", "S"),
    ("7543", "Huisartsen Pathmos", "D"),
    ("7543", "Huisartsenpraktijk Zuiderval", "S"),
    ("7544", "Gezondheidscentrum Wesselerbrink", "G"),
    ("7544", "Huisartsen Brinkpoort", "D"),
    ("7545", "Gezondheidscentrum Stadsveld", "G"),
    ("7545", "Huisartsenpraktijk 't Zwering", "S"),
    ("7545", "Huisartsenpraktijk Ruwenbos", "S"),
    ("7546", "Huisartsen Helmerhoek", "D"),
    ("7546", "Huisartsenpraktijk Usselo", "S"),
    ("7546", "Huisartsenpraktijk Helmerhoek-Zuid", "S"),
    ("7548", "Huisartsenpraktijk Boekelo", "S"),
]
FTE_RANGE = {"S": (1.0, 1.2), "D": (1.6, 2.2), "G": (3.0, 4.5)}
OVER_NORM = (1.08, 1.22)  # list size = fte x 2095 x U(1.08, 1.22)

# The three practices from the public figures: fte today, list today (patients), explicit
# ceiling today, changes.
FIXED = {
    "twentse_oorsprong": dict(fte=1.0, patients=2100, ceiling=2100,
                              changes=[{"phase": 2, "fte": 2.0, "ceiling": 4000}]),
    "carens": dict(fte=3.4, patients=7300, ceiling=7300,
                   changes=[{"phase": 2, "fte": 4.1, "ceiling": 8650},
                            {"phase": 3, "fte": 4.75, "ceiling": 10000}]),
    # The closure: a part-time GP retiring without a successor (synthetic), ~1,000 patients.
    "closing": dict(fte=0.45, patients=1000, ceiling=None,
                    changes=[{"phase": 2, "closes": True}]),
}

POLICY = {
    "norm_per_fte": NORM,
    "ceiling_ratio": 1.0,
    "max_walk_m": 2000,
    "detour_factor": 1.3,
    "phases": PHASES,
    "phase_labels": ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"],
    "max_moves_per_phase": 1500,
    "max_intake_per_phase": 150,
    "max_outflow_per_phase": 150,
    "weights": {"waiting": 1000, "excess": 100, "out_of_district": 10, "move": 1, "walk_km": 0.1},
}

# Where a practice's patients live: shares of the prior before fitting it to the area totals.
SHARE_OWN = 0.50  # nearest area to the practice
SHARE_NEXT = 0.20  # second-nearest area
SHARE_NEAR = 0.18  # other areas within NEAR_M, by residents x exp(-d / 1500 m)
SHARE_FAR = 0.10  # FAR_PICKS random areas beyond NEAR_M (patients who moved house)
SHARE_TAIL = 0.02  # every area, by residents x exp(-d / 2000 m); keeps the fit feasible
NEAR_M = 2500
FAR_PICKS = 3
JITTER_M = 580


def haversine_m(a, b):
    """Great-circle distance in metres between two (lat, lon) pairs."""
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def largest_remainder(total, weights):
    """Split integer total in proportion to weights (a list), ties broken by index."""
    s = sum(weights)
    exact = [total * w / s for w in weights]
    out = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def read_areas():
    with open(DATA / "enschede_pc4.csv", newline="", encoding="utf-8") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["pc4"])
    assert [r["pc4"] for r in rows] == sorted(AREAS), "PC4 set differs from the table"
    areas = []
    for r in rows:
        name, district, noni_factor, care_weight, _certain = AREAS[r["pc4"]]
        areas.append({
            "pc4": r["pc4"],
            "id": "PC" + r["pc4"],
            "name": name,
            "district": district,
            "lat": round(float(r["inner_point_lat"]), 6),
            "lon": round(float(r["inner_point_lon"]), 6),
            "residents": int(r["inwoners"]),
            "noni_factor": noni_factor,
            "care_weight": care_weight,
        })
    return areas


def spread_noni(rng, areas):
    weights = [a["residents"] * a["noni_factor"] * rng.uniform(0.85, 1.15) for a in areas]
    for a, n in zip(areas, largest_remainder(NONI_TOTAL, weights)):
        a["noni"] = n


def place_practices(rng, areas):
    by_pc4 = {a["pc4"]: a for a in areas}
    practices = []
    for i, (host, name, kind) in enumerate(PRACTICES, start=1):
        h = by_pc4[host]
        r = JITTER_M * math.sqrt(rng.random())
        phi = rng.uniform(0, 2 * math.pi)
        lat = h["lat"] + r * math.cos(phi) / 111_320
        lon = h["lon"] + r * math.sin(phi) / (111_320 * math.cos(math.radians(h["lat"])))
        loc = (round(lat, 6), round(lon, 6))
        nearest = min(areas, key=lambda a: (haversine_m(loc, (a["lat"], a["lon"])), a["pc4"]))
        p = {"id": f"P{i:02d}", "name": name, "kind": kind, "host": host,
             "district": nearest["district"], "lat": loc[0], "lon": loc[1]}
        if kind in FIXED:
            f = FIXED[kind]
            p.update(fte=f["fte"], patients=f["patients"], ceiling=f["ceiling"],
                     changes=f["changes"], over=None)
        else:
            lo, hi = FTE_RANGE[kind]
            p.update(fte=rng.uniform(lo, hi), ceiling=None, changes=[],
                     over=rng.uniform(*OVER_NORM))
        practices.append(p)
    return practices


def size_lists(areas, practices):
    """FTE and list size per practice so that all lists sum to residents - NONIs."""
    target = sum(a["residents"] - a["noni"] for a in areas)
    free = [p for p in practices if p["kind"] not in FIXED]
    rest = target - sum(p["patients"] for p in practices if p["kind"] in FIXED)
    scale = rest / sum(p["fte"] * NORM * p["over"] for p in free)
    assert 0.95 <= scale <= 1.05, f"practice table off by {scale:.3f}; adjust PRACTICES"
    for p in free:
        p["fte"] = round(p["fte"] * scale, 2)
        p["patients"] = round(p["fte"] * NORM * p["over"])
    diff = rest - sum(p["patients"] for p in free)
    biggest = sorted(free, key=lambda p: (-p["patients"], p["id"]))
    for k in range(abs(diff)):
        biggest[k % len(biggest)]["patients"] += 1 if diff > 0 else -1
    assert sum(p["patients"] for p in practices) == target
    return target


def prior_matrix(rng, areas, practices):
    """K[a][p]: unnormalised preference for a patient of practice p to live in area a."""
    n_a = len(areas)
    K = [[0.0] * len(practices) for _ in range(n_a)]
    for j, p in enumerate(practices):
        d = [haversine_m((p["lat"], p["lon"]), (a["lat"], a["lon"])) for a in areas]
        # Twentse Oorsprong takes patients from weight-1.0 areas only, so its load is exactly
        # its 2,100 patients (= its ceiling) today.
        allowed = [p["kind"] != "twentse_oorsprong" or a["care_weight"] == 1.0 for a in areas]
        order = sorted((i for i in range(n_a) if allowed[i]), key=lambda i: (d[i], i))
        own, nxt = order[0], order[1]
        near = [i for i in order[2:] if d[i] <= NEAR_M]
        far = [i for i in order[2:] if d[i] > NEAR_M and areas[i]["residents"] >= 1000]
        picks = rng.sample(far, FAR_PICKS)
        w = [0.0] * n_a
        w[own] += SHARE_OWN
        w[nxt] += SHARE_NEXT
        # With no other area within NEAR_M (the villages), the near share stays at home.
        near_w = {i: areas[i]["residents"] * math.exp(-d[i] / 1500) for i in near} or {own: 1.0}
        parts = [
            (SHARE_NEAR, near_w),
            (SHARE_FAR, {i: areas[i]["residents"] for i in picks}),
            (SHARE_TAIL, {i: areas[i]["residents"] * math.exp(-d[i] / 2000)
                          for i in range(n_a) if allowed[i]}),
        ]
        for share, sub in parts:
            s = sum(sub.values())
            for i, v in sub.items():
                w[i] += share * v / s
        for i in range(n_a):
            K[i][j] = w[i] * p["patients"]
    return K


def fit(K, rows, cols, iterations=2000):
    """Iterative proportional fitting of K to row and column sums."""
    X = [r[:] for r in K]
    for _ in range(iterations):
        for i, r in enumerate(X):
            s = sum(r)
            f = rows[i] / s
            X[i] = [v * f for v in r]
        for j in range(len(cols)):
            s = sum(X[i][j] for i in range(len(X)))
            f = cols[j] / s
            for i in range(len(X)):
                X[i][j] *= f
    err = max(abs(sum(r) - rows[i]) for i, r in enumerate(X))
    assert err < 0.5, f"fit did not converge ({err:.3f})"
    return X


def round_matrix(X, rows, cols):
    """Integer matrix with exactly the given row and column sums, close to X."""
    R = [[math.floor(v) for v in r] for r in X]
    row_left = [rows[i] - sum(R[i]) for i in range(len(R))]
    col_left = [cols[j] - sum(R[i][j] for i in range(len(R))) for j in range(len(cols))]
    cells = sorted(((X[i][j] - R[i][j], i, j) for i in range(len(R)) for j in range(len(cols))),
                   key=lambda c: (-c[0], c[1], c[2]))
    for _, i, j in cells:
        if row_left[i] > 0 and col_left[j] > 0:
            R[i][j] += 1
            row_left[i] -= 1
            col_left[j] -= 1
    for i in range(len(R)):
        for j in range(len(cols)):
            while row_left[i] > 0 and col_left[j] > 0:
                R[i][j] += 1
                row_left[i] -= 1
                col_left[j] -= 1
    assert not any(row_left) and not any(col_left)
    return R


def build():
    rng = random.Random(SEED)
    areas = read_areas()
    spread_noni(rng, areas)
    practices = place_practices(rng, areas)
    target = size_lists(areas, practices)
    K = prior_matrix(rng, areas, practices)
    rows = [a["residents"] - a["noni"] for a in areas]
    cols = [p["patients"] for p in practices]
    R = round_matrix(fit(K, rows, cols), rows, cols)

    instance = {
        "format": "spreiding/instance@1",
        "name": "Enschede 2026",
        "policy": POLICY,
        "areas": [
            {"id": a["id"], "name": a["name"], "district": a["district"],
             "location": {"lat": a["lat"], "lon": a["lon"]},
             "residents": a["residents"], "noni": a["noni"], "care_weight": a["care_weight"]}
            for a in areas
        ],
        "practices": [
            {"id": p["id"], "name": p["name"], "district": p["district"],
             "location": {"lat": p["lat"], "lon": p["lon"]}, "fte": p["fte"],
             "ceiling": p["ceiling"], "accepting": True,
             "max_intake_per_phase": None, "max_outflow_per_phase": None,
             "changes": sorted(p["changes"], key=lambda c: c["phase"])}
            for p in practices
        ],
        "registrations": [
            {"area": areas[i]["id"], "practice": practices[j]["id"], "patients": R[i][j]}
            for i in range(len(areas)) for j in range(len(practices)) if R[i][j] > 0
        ],
        "walk_graph": None,
    }
    instance["areas"].sort(key=lambda a: a["id"])
    instance["practices"].sort(key=lambda p: p["id"])
    instance["registrations"].sort(key=lambda r: (r["area"], r["practice"]))
    assert sum(r["patients"] for r in instance["registrations"]) == target
    return instance


# ---------------------------------------------------------------------------------------------
# Checks: MODEL.md's Validity section, plus what this instance promises.

AREA_KEYS = ["id", "name", "district", "location", "residents", "noni", "care_weight"]
PRACTICE_KEYS = ["id", "name", "district", "location", "fte", "ceiling", "accepting",
                 "max_intake_per_phase", "max_outflow_per_phase", "changes"]
POLICY_KEYS = ["norm_per_fte", "ceiling_ratio", "max_walk_m", "detour_factor", "phases",
               "phase_labels", "max_moves_per_phase", "max_intake_per_phase",
               "max_outflow_per_phase", "weights"]
WEIGHT_KEYS = ["waiting", "excess", "out_of_district", "move", "walk_km"]


def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def is_count(x):
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def is_limit(x):
    return x is None or is_count(x)


def check_instance(inst):
    """Assert that inst is a valid spreiding/instance@1 (MODEL.md, Validity)."""
    assert set(inst) <= {"format", "name", "policy", "areas", "practices", "registrations",
                         "walk_graph", "extensions"}, set(inst)
    assert inst["format"] == "spreiding/instance@1"
    pol = inst["policy"]
    assert set(pol) <= set(POLICY_KEYS), set(pol)
    assert is_num(pol["norm_per_fte"]) and pol["norm_per_fte"] > 0
    assert is_num(pol["ceiling_ratio"]) and pol["ceiling_ratio"] > 0
    assert is_num(pol["max_walk_m"]) and pol["max_walk_m"] >= 0
    assert is_num(pol["detour_factor"]) and pol["detour_factor"] >= 1
    T = pol["phases"]
    assert is_count(T) and 1 <= T <= 100
    if pol.get("phase_labels") is not None:
        assert len(pol["phase_labels"]) == T and all(isinstance(s, str) for s in pol["phase_labels"])
    for k in ("max_moves_per_phase", "max_intake_per_phase", "max_outflow_per_phase"):
        assert is_limit(pol.get(k)), k
    assert set(pol["weights"]) <= set(WEIGHT_KEYS)
    assert all(is_num(v) and v >= 0 for v in pol["weights"].values())

    systems = set()

    def check_location(loc):
        if set(loc) == {"lat", "lon"}:
            assert is_num(loc["lat"]) and -90 <= loc["lat"] <= 90
            assert is_num(loc["lon"]) and -180 <= loc["lon"] <= 180
            systems.add("wgs84")
        else:
            assert set(loc) == {"x", "y"} and is_num(loc["x"]) and is_num(loc["y"]), loc
            systems.add("rd")

    area_ids, practice_ids = set(), set()
    for a in inst["areas"]:
        assert set(a) <= set(AREA_KEYS), set(a)
        assert isinstance(a["id"], str) and a["id"] and a["id"] not in area_ids, a["id"]
        area_ids.add(a["id"])
        check_location(a["location"])
        assert is_count(a["residents"]) and is_count(a["noni"])
        assert is_num(a.get("care_weight", 1.0)) and a.get("care_weight", 1.0) > 0
    for p in inst["practices"]:
        assert set(p) <= set(PRACTICE_KEYS), set(p)
        assert isinstance(p["id"], str) and p["id"] and p["id"] not in practice_ids, p["id"]
        practice_ids.add(p["id"])
        check_location(p["location"])
        assert is_num(p["fte"]) and p["fte"] > 0
        assert p.get("ceiling") is None or is_count(p["ceiling"])
        assert isinstance(p.get("accepting", True), bool)
        assert is_limit(p.get("max_intake_per_phase")) and is_limit(p.get("max_outflow_per_phase"))
        for c in p.get("changes", []):
            assert set(c) <= {"phase", "fte", "ceiling", "closes"} and len(c) >= 2, c
            assert is_count(c["phase"]) and 1 <= c["phase"] <= T, c
            assert "fte" not in c or (is_num(c["fte"]) and c["fte"] > 0)
            assert "ceiling" not in c or c["ceiling"] is None or is_count(c["ceiling"])
            assert "closes" not in c or isinstance(c["closes"], bool)
    assert len(systems) == 1, systems
    pairs = set()
    for r in inst["registrations"]:
        assert set(r) == {"area", "practice", "patients"}
        assert r["area"] in area_ids and r["practice"] in practice_ids, r
        assert is_count(r["patients"])
        assert (r["area"], r["practice"]) not in pairs, r
        pairs.add((r["area"], r["practice"]))
    assert inst.get("walk_graph") is None, "graph check not implemented here"
    return True


def check_enschede(inst):
    """What this generator promises beyond validity."""
    check_instance(inst)
    areas = {a["id"]: a for a in inst["areas"]}
    regs = inst["registrations"]
    assert len(areas) == 23 and sum(a["residents"] for a in areas.values()) == 159_730
    assert sum(a["noni"] for a in areas.values()) == NONI_TOTAL
    for aid, a in areas.items():
        registered = sum(r["patients"] for r in regs if r["area"] == aid)
        assert registered + a["noni"] == a["residents"], aid
    assert all(r["patients"] > 0 for r in regs)
    assert regs == sorted(regs, key=lambda r: (r["area"], r["practice"]))
    for p in inst["practices"]:
        heads = sum(r["patients"] for r in regs if r["practice"] == p["id"])
        load = sum(areas[r["area"]]["care_weight"] * r["patients"]
                   for r in regs if r["practice"] == p["id"])
        ceiling = p["ceiling"] if p["ceiling"] is not None else p["fte"] * NORM
        if p["name"] == "Twentse Oorsprong":
            assert heads == 2100 and abs(load - 2100) < 1e-9 and ceiling == 2100
        else:
            assert heads >= ceiling and load > ceiling, (p["id"], heads, load, ceiling)
    return True


def summary(inst):
    areas = {a["id"]: a for a in inst["areas"]}
    prs = {p["id"]: p for p in inst["practices"]}
    pos = {**{k: (a["location"]["lat"], a["location"]["lon"]) for k, a in areas.items()},
           **{k: (p["location"]["lat"], p["location"]["lon"]) for k, p in prs.items()}}
    regs = inst["registrations"]
    walk = inst["policy"]["max_walk_m"] / inst["policy"]["detour_factor"]
    own2, ood, within = [], 0, 0
    for pid in prs:
        mine = sorted((r for r in regs if r["practice"] == pid), key=lambda r: -r["patients"])
        near2 = sorted(areas, key=lambda a: haversine_m(pos[pid], pos[a]))[:2]
        tot = sum(r["patients"] for r in mine)
        own2.append(sum(r["patients"] for r in mine if r["area"] in near2) / tot)
        ood += sum(r["patients"] for r in mine if areas[r["area"]]["district"] != prs[pid]["district"])
        within += sum(r["patients"] for r in mine if haversine_m(pos[pid], pos[r["area"]]) <= walk)
    total = sum(r["patients"] for r in regs)
    print(f"areas {len(areas)}, residents {sum(a['residents'] for a in areas.values())}, "
          f"noni {sum(a['noni'] for a in areas.values())}, registered {total}", file=sys.stderr)
    print(f"practices {len(prs)}, fte {sum(p['fte'] for p in prs.values()):.2f}, "
          f"registrations {len(regs)}", file=sys.stderr)
    print(f"share from the 2 nearest areas: mean {sum(own2) / len(own2):.2f}, "
          f"min {min(own2):.2f}, max {max(own2):.2f}; out of district {ood / total:.3f}; "
          f"within walking distance {within / total:.3f}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", nargs="+", metavar="FILE", help="only check these instance files")
    args = ap.parse_args()
    if args.check:
        for path in args.check:
            with open(path, encoding="utf-8") as f:
                check_instance(json.load(f))
            print(f"{path}: valid", file=sys.stderr)
        return
    inst = build()
    check_enschede(inst)
    text = json.dumps(inst, indent=2, ensure_ascii=False) + "\n"
    # Round trip: what is written is what was checked.
    check_enschede(json.loads(text))
    OUT.write_text(text, encoding="utf-8")
    summary(inst)
    print(f"wrote {OUT.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
