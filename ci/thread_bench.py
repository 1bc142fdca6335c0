"""Measure CPU thread policies on the training workloads of notebooks 01-03 (a contributor tool).

Each workload is the model, batch size and input shape of a notebook's training cell, trained
for a fixed number of steps on random inputs of the right shape (speed does not depend on the
values). Each (policy, condition) runs in a fresh Python process, because OMP_WAIT_POLICY is read
once, when torch loads its OpenMP runtime.

Policies: "1 thread" (torch.set_num_threads(1)), "2 threads" (the default on a 2-core machine),
"PASSIVE" (OMP_WAIT_POLICY=PASSIVE set before torch is imported, default threads).
Conditions: "idle", and "busy": another CPU-bound process spinning beside it (as a browser, a
video call or a second notebook would on a workshop laptop).

    python ci/thread_bench.py            # the table (Markdown), a few minutes
    python ci/thread_bench.py --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

POLICIES = {
    "1 thread": ({}, 1),
    "2 threads": ({}, None),
    "PASSIVE": ({"OMP_WAIT_POLICY": "PASSIVE"}, None),
}


def workloads():
    from torch import nn

    def block(conv, bn, c_in, c_out, **kw):
        return [conv(c_in, c_out, 3, padding=1, bias=False, **kw), bn(c_out), nn.ReLU()]

    vowel = nn.Sequential(*block(nn.Conv1d, nn.BatchNorm1d, 12, 64),           # 01: VowelNet
                          *block(nn.Conv1d, nn.BatchNorm1d, 64, 64),
                          nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(64, 9))
    cnn = nn.Sequential(nn.Conv2d(1, 24, 3, padding=1, bias=False), nn.MaxPool2d(2),  # 02: CNN
                        nn.BatchNorm2d(24), nn.ReLU(),
                        nn.Conv2d(24, 48, 3, padding=1, bias=False), nn.MaxPool2d(2),
                        nn.BatchNorm2d(48), nn.ReLU(), nn.Flatten(),
                        nn.Linear(48 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    c3d = nn.Sequential(nn.Conv3d(1, 8, 3, (1, 2, 2), 1, bias=False), nn.BatchNorm3d(8), nn.ReLU(),
                        nn.MaxPool3d(2), *block(nn.Conv3d, nn.BatchNorm3d, 8, 16),   # 03: Conv3d
                        nn.MaxPool3d(2), *block(nn.Conv3d, nn.BatchNorm3d, 16, 32),
                        nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(32, 8))
    return {  # name: (model, input shape, classes, steps)
        "01 VowelNet (B=32)": (vowel, (32, 12, 29), 9, 400),
        "02 CNN (B=128)": (cnn, (128, 1, 28, 28), 10, 60),
        "03 Conv3d (B=64)": (c3d, (64, 1, 16, 32, 32), 8, 40),
    }


def child(policy: str) -> dict:
    import torch

    threads = POLICIES[policy][1]
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    out = {"threads": torch.get_num_threads()}
    for name, (model, shape, classes, steps) in workloads().items():
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        x, y = torch.randn(*shape), torch.randint(classes, (shape[0],))
        for i in range(steps + 5):  # 5 warm-up steps, not timed
            if i == 5:
                t0 = time.perf_counter()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        out[name] = (time.perf_counter() - t0) * 1000 / steps  # ms per step
    return out


def measure(policy: str, busy: bool) -> dict:
    env = {**os.environ, **POLICIES[policy][0]}
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        proc = subprocess.run([sys.executable, __file__, "--child", policy], env=env,
                              capture_output=True, text=True, check=True)
    finally:
        if hog:
            hog.kill()
            hog.wait()
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--repeats", type=int, default=2, help="runs per cell; the median is shown")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    rows = []
    for cond in ("idle", "busy"):
        for policy in POLICIES:
            runs = [measure(policy, cond == "busy") for _ in range(args.repeats)]
            names = [k for k in runs[0] if k != "threads"]
            rows.append((cond, policy, runs[0]["threads"],
                         {n: statistics.median(r[n] for r in runs) for n in names}))
            print(f"  {cond:4s} {policy:9s} done", file=sys.stderr, flush=True)
    names = list(rows[0][3])
    print("| condition | policy | threads | " + " | ".join(f"{n}, ms/step" for n in names) + " |")
    print("|---|---|---:|" + "---:|" * len(names))
    for cond, policy, threads, ms in rows:
        print(f"| {cond} | {policy} | {threads} | " + " | ".join(f"{ms[n]:.1f}" for n in names) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
