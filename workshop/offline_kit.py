"""Build the offline kit (a folder and one zip per platform, for a USB stick), or check which
platforms the pins install on.

    python workshop/offline_kit.py --platform linux-x86_64 --platform win-amd64 --out DIR
    python workshop/offline_kit.py --check   # which platforms requirements.txt resolves for (no download)

The kit is DIR/conv-by-doing/ (the repository's files: notebooks, student copies, ci/, workshop/, docs/; the
data cache, filled and checked; wheelhouse/<platform>/ with every wheel the pins need, from
`pip download --only-binary=:all: --platform ... --python-version 3.11`) and
DIR/conv-by-doing-<platform>.zip (the same with only that platform's wheels). Install from it with
no network: `bash ci/setup.sh --wheelhouse wheelhouse/<platform>` (OFFLINE.md says how on Windows).

pip evaluates environment markers (`; platform_system == "Linux"`) for the machine it runs on,
not for --platform (pypa/pip#11664): on Linux it would ask for Linux-only CUDA wheels for Windows.
So pip runs here with the target platform's marker values patched in. PyPI is asked directly
(pip's configuration files are ignored) unless --use-pip-config is given (a mirror or a proxy).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ci"))  # seed_data: the data manifest

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
PYTHON_VERSION = "3.11"
KIT_NAME = "conv-by-doing"


@dataclass(frozen=True)
class Platform:
    label: str
    tags: list[str]
    markers: dict = field(default_factory=dict)


def _manylinux(arch: str) -> list[str]:
    """glibc 2.28 (torch's own floor) and every older manylinux tag."""
    return ([f"manylinux_2_{m}_{arch}" for m in range(28, 16, -1)]
            + [f"manylinux2014_{arch}"] + ([f"manylinux_2_12_{arch}", f"manylinux2010_{arch}",
                                            f"manylinux_2_5_{arch}", f"manylinux1_{arch}"]
                                           if arch == "x86_64" else []))


_LINUX = {"os_name": "posix", "sys_platform": "linux", "platform_system": "Linux"}
_MAC = {"os_name": "posix", "sys_platform": "darwin", "platform_system": "Darwin"}
_WIN = {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows"}
PLATFORMS = {
    "linux-x86_64": Platform("Linux x86-64 (glibc 2.28 or newer)", _manylinux("x86_64"),
                             {**_LINUX, "platform_machine": "x86_64"}),
    "linux-aarch64": Platform("Linux ARM64 (glibc 2.28 or newer)", _manylinux("aarch64"),
                              {**_LINUX, "platform_machine": "aarch64"}),
    "win-amd64": Platform("Windows x86-64", ["win_amd64"], {**_WIN, "platform_machine": "AMD64"}),
    "win-arm64": Platform("Windows on ARM", ["win_arm64"], {**_WIN, "platform_machine": "ARM64"}),
    "macos-arm64": Platform("macOS 14 or newer on Apple silicon", ["macosx_14_0_arm64"],
                            {**_MAC, "platform_machine": "arm64"}),
    "macos-arm64-13": Platform("macOS 13 on Apple silicon", ["macosx_13_0_arm64"],
                               {**_MAC, "platform_machine": "arm64"}),
    "macos-x86_64": Platform("Intel Mac (macOS 15 or older)", ["macosx_15_0_x86_64"],
                             {**_MAC, "platform_machine": "x86_64"}),
}
# What `python workshop/offline_kit.py --check` found for requirements.txt (2026-11-28; pip 23.2.1, PyPI).
# tests/test_teaching_kit.py re-checks it; workshop/preflight.py tells participants from it.
RESOLVES = {"linux-x86_64": True, "linux-aarch64": True, "win-amd64": True, "win-arm64": False,
            "macos-arm64": True, "macos-arm64-13": False, "macos-x86_64": False}

# pip with the target platform's environment-marker values (see the module docstring)
_BOOTSTRAP = """\
import json, sys
try:
    import pip._vendor.packaging.markers as markers
    env = markers.default_environment()
    env.update(json.loads(sys.argv[1]))
    markers.default_environment = lambda: dict(env)
except Exception as exc:  # a pip without this module: markers stay the host's
    print(f"warning: environment markers not patched ({exc})", file=sys.stderr)
from pip._internal.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def pip_command(name: str, args: list[str]) -> list[str]:
    p = PLATFORMS[name]
    markers = {**p.markers, "python_version": PYTHON_VERSION, "python_full_version": f"{PYTHON_VERSION}.9",
               "implementation_name": "cpython", "implementation_version": f"{PYTHON_VERSION}.9",
               "platform_python_implementation": "CPython"}
    target = [x for tag in p.tags for x in ("--platform", tag)]
    return [sys.executable, "-c", _BOOTSTRAP, json.dumps(markers), *args, "--only-binary=:all:",
            *target, "--python-version", PYTHON_VERSION, "--implementation", "cp",
            "--disable-pip-version-check"]


def pip_env(use_pip_config: bool) -> dict:
    env = dict(os.environ)
    if not use_pip_config:
        env["PIP_CONFIG_FILE"] = os.devnull
        for key in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL", "PIP_CONSTRAINT"):
            env.pop(key, None)
    return env


def check(name: str, requirements: Path = REQUIREMENTS, use_pip_config: bool = False,
          deps: bool = True) -> tuple[bool, str]:
    """Does requirements.txt resolve to wheels for this platform? (dry run, nothing installed;
    deps=False checks the pinned packages only, without their dependencies: much faster)"""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = pip_command(name, ["install", "--dry-run", "--ignore-installed", "--target", tmp,
                                 "-q", "-r", str(requirements)] + ([] if deps else ["--no-deps"]))
        r = subprocess.run(cmd, capture_output=True, text=True, env=pip_env(use_pip_config))
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("ERROR")]
    return r.returncode == 0, (errors[-1] if errors else r.stderr.strip()[-300:])


def check_many(names: list[str], **kw) -> dict[str, tuple[bool, str]]:
    """check() for several platforms at once (pip waits on the network most of the time)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(names, pool.map(lambda n: check(n, **kw), names), strict=True))


def download(name: str, dest: Path, requirements: Path = REQUIREMENTS, use_pip_config: bool = False) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    cmd = pip_command(name, ["download", "-q", "--progress-bar", "off", "-d", str(dest),
                             "-r", str(requirements)])
    r = subprocess.run(cmd, capture_output=True, text=True, env=pip_env(use_pip_config))
    if r.returncode != 0:
        raise RuntimeError(f"pip download for {name} failed: {r.stderr.strip()[-600:]}")


def repo_files(root: Path = ROOT) -> list[Path]:
    """The repository's files as a clone has them (tracked, plus new files git does not ignore)."""
    r = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                       cwd=root, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"not a git checkout ({r.stderr.strip()}): build the kit from a clone")
    return sorted({root / f for f in r.stdout.split("\0") if f and (root / f).is_file()})


def data_files(root: Path = ROOT) -> list[Path]:
    import seed_data

    gaps = seed_data.missing(root / "data")
    if gaps:
        raise RuntimeError(f"the data cache is incomplete ({', '.join(e.dest for e in gaps)}): "
                           "run python ci/seed_data.py first")
    return [root / "data" / e.dest for e in [*seed_data.WHEEL_FILES, *seed_data.DEBIAN_FILES]]


OFFLINE_MD = """\
<!-- generated by python workshop/offline_kit.py -->
# Offline kit: install with no network

Everything the workshop needs except Python itself: the repository (notebooks, student copies in
`notebooks/student/`), the data cache in `data/` (checked), and the pinned packages as wheels in
`wheelhouse/<platform>/` for {platforms}. Install Python {py} first (python.org installers; the
kit does not carry them).

Linux and macOS, from this folder:

    bash ci/setup.sh --wheelhouse wheelhouse/<platform>
    .venv/bin/python workshop/preflight.py
    .venv/bin/jupyter lab notebooks/student

Windows (PowerShell), from this folder:

    py -{py} -m venv .venv
    .venv\\Scripts\\python -m pip install --no-index --find-links wheelhouse\\win-amd64 -r requirements.txt
    .venv\\Scripts\\python workshop\\preflight.py
    .venv\\Scripts\\jupyter lab notebooks\\student
"""


def _size(paths) -> int:
    return sum(p.stat().st_size for p in paths if p.is_file())


def _zip(folder: Path, archive: Path, skip: set[str]) -> None:
    part = archive.with_suffix(".part")
    with zipfile.ZipFile(part, "w", allowZip64=True) as z:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder.parent)
            other = len(rel.parts) > 3 and rel.parts[1] == "wheelhouse" and rel.parts[2] in skip
            if path.is_file() and not other:
                kind = zipfile.ZIP_STORED if path.suffix == ".whl" else zipfile.ZIP_DEFLATED
                z.write(path, rel, compress_type=kind)
    part.replace(archive)


def build(platforms: list[str], out: Path, archive: bool = True, use_pip_config: bool = False,
          log=print, fetch=download) -> dict[str, dict[str, int]]:
    """Build the kit; return the sizes in bytes: {platform: {"wheels": ..., "zip": ...}, "common": ...}."""
    kit = out / KIT_NAME
    if kit.exists():
        shutil.rmtree(kit)
    files = repo_files() + data_files()
    for f in files:
        dest = kit / f.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, dest)
    (kit / "OFFLINE.md").write_text(OFFLINE_MD.format(platforms=", ".join(platforms), py=PYTHON_VERSION))
    sizes: dict[str, dict[str, int]] = {"common": {"files": _size(kit.rglob("*"))}}
    log(f"repository and data: {len(files)} files, {sizes['common']['files'] / 2**20:,.0f} MiB")
    for name in platforms:
        log(f"{name}: downloading the wheels ({PLATFORMS[name].label}) ...")
        fetch(name, kit / "wheelhouse" / name, use_pip_config=use_pip_config)
        wheels = list((kit / "wheelhouse" / name).glob("*.whl"))
        sizes[name] = {"wheels": _size(wheels), "count": len(wheels)}
    for name in platforms if archive else []:
        zip_path = out / f"{KIT_NAME}-{name}.zip"
        _zip(kit, zip_path, skip=set(platforms) - {name})
        sizes[name]["zip"] = zip_path.stat().st_size
    return sizes


def format_sizes(sizes: dict) -> str:
    mib = lambda b: f"{b / 2**20:,.0f} MiB"  # noqa: E731
    lines = ["| platform | wheels | wheel files | zip (repository + data + wheels) |",
             "|---|---:|---:|---:|"]
    for name, s in sizes.items():
        if name != "common":
            lines.append(f"| {name} | {mib(s['wheels'])} | {s['count']} | "
                         f"{mib(s['zip']) if 'zip' in s else '—'} |")
    lines.append(f"\nRepository and data cache (in every zip): {mib(sizes['common']['files'])}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--platform", action="append", choices=sorted(PLATFORMS), help="repeatable")
    ap.add_argument("--out", type=Path, help="folder to build the kit in")
    ap.add_argument("--check", action="store_true", help="only check which platforms resolve")
    ap.add_argument("--no-archive", action="store_true", help="build the folder only")
    ap.add_argument("--use-pip-config", action="store_true", help="go through pip's configuration")
    args = ap.parse_args(argv)
    if args.check:
        names, differs = args.platform or list(PLATFORMS), 0
        print(f"requirements.txt for Python {PYTHON_VERSION}, wheels only (pip install --dry-run):")
        for name, (ok, why) in check_many(names, use_pip_config=args.use_pip_config).items():
            note = "" if RESOLVES.get(name) == ok else "   (differs from RESOLVES in workshop/offline_kit.py)"
            differs += bool(note)
            print(f"  {name:15s} {'resolves' if ok else 'does NOT resolve'}: "
                  f"{PLATFORMS[name].label}{'' if ok else ' -- ' + why}{note}")
        return 1 if differs else 0
    if not args.platform or not args.out:
        ap.error("give --platform (one or more) and --out, or --check")
    try:
        sizes = build(args.platform, args.out.resolve(), archive=not args.no_archive,
                      use_pip_config=args.use_pip_config)
    except RuntimeError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    table = format_sizes(sizes)
    (args.out / "SIZES.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
