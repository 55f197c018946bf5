"""`make audit`: every pin checked against the advisory data kept in the repository, never
a pass for a pin it could not check."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.dependency_audit import DATA, MAX_AGE_DAYS, audit, load_data

ROOT = Path(__file__).resolve().parents[1]
LOCKS = [ROOT / "requirements.lock", ROOT / "requirements-dev.lock"]


def run_audit(*lock_files: Path, data: Path = DATA) -> subprocess.CompletedProcess[str]:
    """`python -m tools.dependency_audit check` as `make audit` runs it."""
    command = [sys.executable, "-m", "tools.dependency_audit", "check", *map(str, lock_files)]
    return subprocess.run(
        [*command, "--data", str(data)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture
def lock(tmp_path):
    def write(text: str) -> Path:
        path = tmp_path / "temporary.lock"
        path.write_text(text)
        return path

    return write


def test_the_project_lock_files_are_all_checked_and_clean():
    snapshot_day = dt.date.fromisoformat(load_data()["snapshot"]["date"])
    code, lines = audit(LOCKS, today=snapshot_day)
    assert code == 0, lines
    pins = sum(
        1
        for path in LOCKS
        for line in path.read_text().splitlines()
        if line and not line.lstrip().startswith("#")
    )
    assert f"{pins} pins in requirements.lock, requirements-dev.lock: {pins} checked" in lines[-2]


def test_an_old_vulnerable_pin_fails_the_audit_and_names_the_advisory(lock):
    # requests before 2.20.0 sends the Authorization header on a redirect to http (CVE-2018-18074)
    result = run_audit(lock("certifi==2026.10.5\nrequests==2.19.0\n    # via nothing\n"))
    assert result.returncode == 1
    assert "temporary.lock:2 requests==2.19.0: PYSEC-2018-28 (CVE-2018-18074)" in result.stderr
    assert "certifi" not in result.stderr.split("dated")[1].split("pins in")[0]
    assert "2 pins in temporary.lock: 2 checked, 1 with known advisories" in result.stderr
    assert result.stderr.rstrip().endswith("FAILED: pins with known advisories")


def test_the_fixed_version_passes(lock):
    result = run_audit(lock("requests==2.33.0\n"))
    assert result.returncode == 0, result.stderr
    assert "every pin checked: no known advisories" in result.stdout


@pytest.mark.parametrize(
    "line",
    ["requests>=2.0", "requests", "-e .", "--index-url https://example.invalid/simple", "req@@"],
)
def test_a_line_that_is_not_an_exact_pin_is_not_checked_and_fails(lock, line):
    result = run_audit(lock(f"certifi==2026.10.5\n{line}\n"))
    assert result.returncode == 2
    assert f"temporary.lock:2 {line!r} NOT CHECKED" in result.stderr
    assert "1 not checked" in result.stderr
    assert "no known advisories" not in result.stdout + result.stderr


def test_missing_advisory_data_fails_and_says_nothing_was_checked(lock, tmp_path):
    result = run_audit(lock("certifi==2026.10.5\n"), data=tmp_path / "absent.json.gz")
    assert result.returncode == 2
    assert "no advisory data at" in result.stderr
    assert "nothing was checked" in result.stderr


@pytest.mark.parametrize(
    "content", [b"", b"not gzip", gzip.compress(b"{]"), gzip.compress(b'{"packages": {}}')]
)
def test_unreadable_or_empty_advisory_data_fails(lock, tmp_path, content):
    data = tmp_path / "broken.json.gz"
    data.write_bytes(content)
    result = run_audit(lock("certifi==2026.10.5\n"), data=data)
    assert result.returncode == 2
    assert "nothing was checked" in result.stderr


def test_stale_advisory_data_fails(tmp_path, lock):
    data = load_data()
    snapshot_day = dt.date.fromisoformat(data["snapshot"]["date"])
    code, lines = audit([lock("certifi==2026.10.5\n")], today=snapshot_day)
    assert code == 0
    later = snapshot_day + dt.timedelta(days=MAX_AGE_DAYS + 1)
    code, lines = audit([lock("certifi==2026.10.5\n")], today=later)
    assert code == 2
    assert f"{MAX_AGE_DAYS + 1} days old" in "\n".join(lines)


def test_an_empty_lock_file_fails(lock):
    result = run_audit(lock("# nothing pinned\n"))
    assert result.returncode == 2
    assert "no pins found" in result.stderr


def test_a_version_the_data_cannot_compare_is_not_checked(lock, tmp_path):
    data = load_data()
    data["packages"]["requests"] = [{"id": "X-1", "ranges": [{"introduced": "not a version"}]}]
    path = tmp_path / "odd.json.gz"
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    result = run_audit(lock("requests==2.33.0\n"), data=path)
    assert result.returncode == 2
    assert "NOT CHECKED: X-1 gives a version not comparable" in result.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_refresh_rebuilds_the_data_from_a_checkout(tmp_path, lock):
    checkout = tmp_path / "advisory-database"
    (checkout / "vulns" / "demo").mkdir(parents=True)
    (checkout / "vulns" / "demo" / "PYSEC-2099-1.yaml").write_text(
        "id: PYSEC-2099-1\naliases: [CVE-2099-1]\naffected:\n- package: {name: Demo_Pkg,"
        " ecosystem: PyPI}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n"
        "    - introduced: '1.0'\n    - fixed: '1.2'\n    - introduced: '2.0'\n"
        "    - last_affected: '2.1'\n"
    )
    (checkout / "vulns" / "demo" / "PYSEC-2099-2.yaml").write_text(
        "id: PYSEC-2099-2\nwithdrawn: '2099-01-01T00:00:00Z'\naffected:\n"
        "- package: {name: demo-pkg, ecosystem: PyPI}\n  versions: ['0.5']\n"
    )
    git = ["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    out = tmp_path / "data.json.gz"
    command = [sys.executable, "-m", "tools.dependency_audit", "refresh", str(checkout)]
    made = subprocess.run(
        [*command, "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert "1 advisories of 1 packages" in made.stdout
    expected = {"0.5": 0, "1.0": 1, "1.1.9": 1, "1.2": 0, "2.0": 1, "2.1": 1, "2.1.1": 0}
    for version, code in expected.items():
        assert run_audit(lock(f"demo.pkg=={version}\n"), data=out).returncode == code, version
