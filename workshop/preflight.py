"""Pre-flight check: is this laptop ready for the workshop? One verdict, and an exit status.

    .venv/bin/python workshop/preflight.py            # from the repository folder, after bash ci/setup.sh
    .venv/bin/python workshop/preflight.py --no-benchmark

It checks the Python version, every pin of requirements.txt against the installed version, the
data cache (present, sha256 as in ci/seed_data.py), whether this platform can install the pins at
all, the device the notebooks will use (CONV_NB_DEVICE, default cpu; whether a GPU is present and
how to opt in), one real training step on that device, and it times a short convolution benchmark
(a few seconds, on the CPU) to estimate how long the series takes here, compared with the
reference machine. Lines start with ok, WARN or FAIL
and say what to do. Exit status 0: ready (warnings allowed); 1: not ready.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ci"))  # seed_data: the data manifest

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
TIMINGS = ROOT / "docs" / "teaching" / "timings.json"
README = ROOT / "README.md"
PYTHON = (3, 11)
# benchmark() on the reference machine (the one behind the README's runner table), quiet, as CPU time
# (`--benchmark-only`): the median of 13 runs on 2026-12-03 (best 0.19 s, worst 0.28 s). The earlier
# reference (2026-11-28, 0.318 s, best of 28 runs on a shared machine) was slower: its table had
# notebook 03 (nearly unchanged since) at 1.5x the seconds of today's table.
REFERENCE = {"seconds": 0.24, "date": "2026-12-03",
             "machine": "x86-64, 2 cores (AMD EPYC with AVX-512, KVM), Python 3.11.7, torch 2.14.1"}
SLOW, TOO_SLOW = 3.0, 6.0  # times the reference: warn above SLOW, not ready above TOO_SLOW
COLAB = "use Google Colab instead (README: Read along → Google Colab)"
# the notebooks' thread policy (their setup cell), set before anything imports torch
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@dataclass
class Check:
    status: str  # "ok", "WARN" or "FAIL"
    what: str
    fix: str = ""

    def line(self) -> str:
        return f"{self.status:4s}  {self.what}" + (f"\n      → {self.fix}" if self.fix else "")


def check_python(info=sys.version_info) -> Check:
    here = f"Python {info[0]}.{info[1]}.{info[2]}"
    if tuple(info[:2]) == PYTHON:
        return Check("ok", f"{here} ({sys.executable})")
    fix = (f"install Python {PYTHON[0]}.{PYTHON[1]} and run bash ci/setup.sh with it "
           f"(PYTHON=python{PYTHON[0]}.{PYTHON[1]} bash ci/setup.sh)")
    if tuple(info[:2]) < (3, 10):
        return Check("FAIL", f"{here}: too old for the pinned packages", fix)
    return Check("WARN", f"{here}: the pins are tested with {PYTHON[0]}.{PYTHON[1]} only", fix)


def _rosetta() -> bool:
    try:
        out = subprocess.run(["sysctl", "-n", "sysctl.proc_translated"], capture_output=True, text=True)
        return out.stdout.strip() == "1"
    except OSError:
        return False


def check_platform(system=None, machine=None, mac_version=None, rosetta=None) -> Check:
    """Can this platform install the pins? (from workshop/offline_kit.py's RESOLVES, checked with pip)"""
    from offline_kit import PLATFORMS, RESOLVES

    system = system or platform.system()
    machine = (machine or platform.machine()).lower()
    if system == "Darwin":
        mac_version = mac_version if mac_version is not None else platform.mac_ver()[0]
        major = int(mac_version.split(".")[0] or 0)
        if machine == "x86_64":
            if _rosetta() if rosetta is None else rosetta:
                return Check("FAIL", "this Python is an Intel build running under Rosetta on an Apple "
                             "silicon Mac", "install the arm64 (universal2) Python 3.11 from python.org, "
                             "then rm -rf .venv and bash ci/setup.sh")
            key = "macos-x86_64"
        else:
            key = "macos-arm64" if major >= 14 else "macos-arm64-13"
        label = f"macOS {mac_version} on {'Apple silicon' if machine == 'arm64' else 'Intel'}"
    elif system == "Windows":
        key, label = ("win-arm64" if "arm" in machine else "win-amd64"), f"Windows {machine}"
    elif system == "Linux":
        key, label = ("linux-aarch64" if machine in ("aarch64", "arm64") else "linux-x86_64"
                      if machine in ("x86_64", "amd64") else ""), f"Linux {machine}"
    else:
        key, label = "", f"{system} {machine}"
    if key not in RESOLVES:
        return Check("WARN", f"{label}: not a platform the pins were checked for", COLAB)
    if not RESOLVES[key]:
        return Check("FAIL", f"{label}: PyTorch 2.14.1 publishes no wheel for it "
                     f"({PLATFORMS[key].label})", COLAB)
    return Check("ok", f"{label}: the pinned wheels exist for it")


def read_pins(path: Path = REQUIREMENTS) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)", line)
        if m:
            pins[m.group(1)] = m.group(2)
    return pins


def check_packages(pins: dict[str, str], version_of=None) -> Check:
    if version_of is None:
        from importlib.metadata import version as version_of
    wrong = []
    for name, want in pins.items():
        try:
            have = version_of(name)
        except Exception:
            have = None
        if have is None or have.split("+")[0] != want:
            wrong.append(f"{name} {have or 'missing'} (want {want})")
    if wrong:
        return Check("FAIL", f"packages: {len(wrong)} of {len(pins)} pins not installed as pinned: "
                     + ", ".join(wrong[:6]) + (" …" if len(wrong) > 6 else ""),
                     "bash ci/setup.sh (or, offline, bash ci/setup.sh --wheelhouse DIR); "
                     "run this check with .venv/bin/python")
    return Check("ok", f"packages: all {len(pins)} pins of requirements.txt installed at their versions")


def check_data(data: Path = ROOT / "data") -> Check:
    import seed_data

    entries = [*seed_data.WHEEL_FILES, *seed_data.DEBIAN_FILES]
    gaps = seed_data.missing(data)
    if gaps:
        return Check("FAIL", f"data cache: {len(gaps)} of {len(entries)} files missing or corrupt "
                     f"({', '.join(e.dest for e in gaps[:3])}{' …' if len(gaps) > 3 else ''})",
                     "python ci/seed_data.py (needs the Internet; or copy data/ from the offline kit)")
    return Check("ok", f"data cache: {len(entries)} files present, sha256 verified")


def check_device(env=None, cuda: bool | None = None, cuda_name: str = "", mps: bool | None = None,
                 threads: int | None = None) -> Check:
    """The device the notebooks will use: their setup cell reads CONV_NB_DEVICE (default: cpu, where
    every committed output was made). Says whether a GPU is present and how to opt in."""
    import torch

    env = os.environ if env is None else env
    cuda = torch.cuda.is_available() if cuda is None else cuda
    if cuda and not cuda_name:
        cuda_name = torch.cuda.get_device_name(0)
    mps = torch.backends.mps.is_available() if mps is None else mps
    threads = torch.get_num_threads() if threads is None else threads
    asked = env.get("CONV_NB_DEVICE", "")
    kind = (asked or "cpu").split(":")[0].strip().lower()
    gpu = (f"a CUDA GPU ({cuda_name})" if cuda else "an Apple GPU (mps)" if mps else "")
    if kind not in ("cpu", "cuda", "mps"):
        return Check("FAIL", f"device: CONV_NB_DEVICE={asked!r} is not a device the notebooks know",
                     "unset CONV_NB_DEVICE (the notebooks then use the CPU), or set it to cuda or mps")
    if (kind == "cuda" and not cuda) or (kind == "mps" and not mps):
        return Check("FAIL", f"device: CONV_NB_DEVICE={asked} asks for {kind}, which this machine lacks: "
                     "every notebook's setup cell would stop with an error",
                     "unset CONV_NB_DEVICE (the default is the CPU, on which the series is sized)")
    source = f"CONV_NB_DEVICE={asked}" if asked else "CONV_NB_DEVICE is not set: the default"
    what = f"device: the notebooks will use {kind} ({source}), {threads} CPU threads"
    if kind == "cpu" and gpu:
        variable = "cuda" if cuda else "mps"
        what += (f"; {gpu} is present and unused: to opt in, start Jupyter with "
                 f"CONV_NB_DEVICE={variable} (numbers will differ slightly from the committed CPU outputs)")
    elif kind == "cpu":
        what += "; no GPU here, none needed: the series is sized for 2 CPU cores"
    else:
        what += f" ({gpu}); the committed outputs were made on the CPU, so numbers will differ slightly"
    return Check("ok", what)


def notebook_device(env=None) -> str:
    """The device string the notebooks' setup cell would use."""
    env = os.environ if env is None else env
    return env.get("CONV_NB_DEVICE", "cpu")


def check_training_step(device: str | None = None) -> Check:
    """One real training step (forward, backward, optimizer step) of a small CNN on the device the
    notebooks will use: catches a broken CUDA or MPS install, or an operation the device lacks."""
    import torch
    from torch import nn

    device = notebook_device() if device is None else device
    try:
        torch.manual_seed(0)
        dev = torch.device(device)
        net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Flatten(),
                            nn.Linear(8 * 14 * 14, 10)).to(dev)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        x, y = torch.randn(16, 1, 28, 28, device=dev), torch.randint(0, 10, (16,), device=dev)
        before = net[0].weight.detach().clone()
        t0 = time.perf_counter()
        loss = nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        value = loss.item()  # waits for the device
        seconds = time.perf_counter() - t0
        changed = not torch.equal(before, net[0].weight.detach())
    except Exception as exc:  # a broken driver, an operation the device lacks, ...
        return Check("FAIL", f"training step on {device}: {type(exc).__name__}: {str(exc)[:200]}",
                     "unset CONV_NB_DEVICE to use the CPU" if device != "cpu" else "bash ci/setup.sh")
    if not (value == value and abs(value) < 1e3) or not changed:
        return Check("FAIL", f"training step on {device}: the loss ({value}) or the weights are wrong",
                     "unset CONV_NB_DEVICE to use the CPU" if device != "cpu" else "bash ci/setup.sh")
    return Check("ok", f"training step on {device}: a small CNN trained one step (loss {value:.2f}, "
                 f"{seconds * 1e3:.0f} ms)")


def check_memory(total_bytes: int | None = None) -> Check:
    if total_bytes is None:
        try:
            import psutil

            total_bytes = psutil.virtual_memory().total
        except Exception:
            try:  # Linux and macOS without psutil
                total_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
            except (ValueError, OSError, AttributeError):
                return Check("WARN", "memory: could not be read (psutil missing)")
    gib = total_bytes / 2**30
    if gib < 3.5:
        return Check("WARN", f"memory: {gib:.1f} GiB; the notebooks peak near 2 GiB each",
                     "close other programs, and shut down each notebook's kernel before the next")
    return Check("ok", f"memory: {gib:.1f} GiB")


def benchmark(budget_s: float = 8.0, steps_per_repeat: int = 3, clock=time.perf_counter) -> float:
    """Seconds for a fixed mix of Conv1d/Conv2d/Conv3d training steps (the series' kinds of layers
    and batch sizes) on one CPU thread, best of up to 3 repeats within the budget.

    One thread, so that the reference could be measured as CPU time (clock=time.process_time) on a
    shared machine, where wall-clock time would have measured the other users' load."""
    import torch
    from torch import nn

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    nets = [  # (model, input, labels): notebook 01's 12-channel series, 02's images, 03's clips
        (nn.Sequential(nn.Conv1d(12, 64, 3, padding=1), nn.ReLU(), nn.Conv1d(64, 64, 3, padding=1),
                       nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(64, 9)),
         torch.randn(32, 12, 29), torch.randint(0, 9, (32,))),
        (nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                       nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                       nn.Linear(64 * 7 * 7, 10)),
         torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))),
        (nn.Sequential(nn.Conv3d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool3d(2),
                       nn.Conv3d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool3d(1), nn.Flatten(),
                       nn.Linear(32, 8)),
         torch.randn(8, 1, 16, 32, 32), torch.randint(0, 8, (8,))),
    ]
    opts = [torch.optim.SGD(net.parameters(), lr=0.01) for net, _, _ in nets]

    def steps(n: int) -> None:
        for _ in range(n):
            for (net, x, y), opt in zip(nets, opts, strict=True):
                opt.zero_grad()
                nn.functional.cross_entropy(net(x), y).backward()
                opt.step()

    try:
        steps(1)  # warm-up: allocations, oneDNN kernel choice
        best, start = float("inf"), time.perf_counter()
        for _ in range(3):
            t0 = clock()
            steps(steps_per_repeat)
            best = min(best, clock() - t0)
            if time.perf_counter() - start > budget_s / 2:
                break
    finally:
        torch.set_num_threads(threads)
    return best


def reference_series(timings: Path = TIMINGS, readme: Path = README) -> tuple[dict[str, float], str]:
    """Seconds per notebook on the reference machine: the runner's timings (docs/teaching/timings.json),
    else the README's measured-run table."""
    found, sources = {}, []
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        for m in re.finditer(r"^\|\s*(\d\d_\w+)\s*\|\s*([\d.]+)\s*\|", text, re.M):
            found[m.group(1)] = float(m.group(2))
        sources += ["the README's table"] if found else []
    if timings.exists():
        entries = json.loads(timings.read_text(encoding="utf-8")).get("notebooks", {})
        found.update({k.removesuffix(".ipynb"): v["seconds"] for k, v in entries.items()})
        sources += ["docs/teaching/timings.json"] if entries else []
    return found, " and ".join(sources[::-1]) or "nowhere"


def check_speed(seconds: float, reference: dict = REFERENCE, series: tuple | None = None) -> Check:
    per_book, source = series if series is not None else reference_series()
    factor = seconds / reference["seconds"]
    total = sum(per_book.values())
    slowest = max(per_book.values(), default=0)
    estimate = (f"the {len(per_book)} notebooks take about {total * factor / 60:.0f} min of computing "
                f"here ({total / 60:.0f} min on the reference, from {source}); the slowest one about "
                f"{slowest * factor / 60:.1f} min") if per_book else "no reference timings found"
    what = (f"speed: convolution benchmark {seconds:.2f} s = {factor:.1f}× the reference machine "
            f"({reference['seconds']:.2f} s on {reference['machine']}, {reference['date']})\n"
            f"      estimate: {estimate}")
    if factor > TOO_SLOW:
        return Check("FAIL", what, f"more than {TOO_SLOW:.0f}× slower: close other programs and run this "
                     f"check again; if it stays slow, {COLAB}")
    if factor > SLOW:
        return Check("WARN", what, "slow but usable: close other programs (browser tabs, video calls); "
                     "start long training cells early")
    return Check("ok", what)


def verdict(checks: list[Check]) -> tuple[str, int]:
    if any(c.status == "FAIL" for c in checks):
        return "NOT READY: fix the FAIL lines above (each says how), then run this check again.", 1
    if any(c.status == "WARN" for c in checks):
        return "READY, with warnings: the workshop will run; read the WARN lines above.", 0
    return "READY: this laptop can run every notebook of the workshop.", 0


def run_checks(bench: bool = True) -> list[Check]:
    checks = [check_python(), check_platform()]
    pins = read_pins()
    checks.append(check_packages(pins))
    checks.append(check_data())
    try:
        device = check_device()
        checks.append(device)
        if device.status == "ok":
            checks.append(check_training_step())
    except ImportError:
        checks.append(Check("FAIL", "device: PyTorch is not installed", "bash ci/setup.sh"))
        bench = False
    checks.append(check_memory())
    if bench:
        checks.append(check_speed(benchmark()))
    return checks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-benchmark", action="store_true", help="skip the timed benchmark")
    ap.add_argument("--benchmark-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.benchmark_only:  # how REFERENCE was measured: the CPU time, best of several runs
        print(f"wall {benchmark():.3f} s, cpu {benchmark(clock=time.process_time):.3f} s")
        return 0
    print(f"Pre-flight check for the workshop ({platform.node() or 'this machine'})")
    checks = run_checks(bench=not args.no_benchmark)
    for c in checks:
        print(c.line())
    text, status = verdict(checks)
    print(text)
    return status


if __name__ == "__main__":
    sys.exit(main())
