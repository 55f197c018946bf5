"""Check every pin of the lock files against an advisory database kept in the repository.

``make audit`` (run by ``make test``) calls::

    python -m tools.dependency_audit check requirements.lock requirements-dev.lock

It reads ``tools/advisories/pypi-advisories.json.gz``, a compact extract of the
Python Packaging Advisory Database (OSV format; provenance, date and licence in
``tools/advisories/README.md``), so the audit needs no network. Exit 0 when every
pin was checked and none has a known advisory; 1 when a pin has one; 2 when a pin
could not be checked (not an exact ``name==version`` pin, a version the data cannot
be compared with), the data is missing, unreadable or older than ``--max-age-days``.
A run that could not check a pin never passes.

Refresh the data from a checkout of the advisory database (see the README there)::

    python -m tools.dependency_audit refresh PATH/TO/advisory-database
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

DATA = Path(__file__).with_name("advisories") / "pypi-advisories.json.gz"
#: Data older than this many days fails the audit: refresh it (see the module docstring).
MAX_AGE_DAYS = 365

EXIT_CLEAN, EXIT_VULNERABLE, EXIT_UNCHECKED = 0, 1, 2


class AuditError(RuntimeError):
    """The audit could not be run at all (no data, unreadable data, unreadable lock file)."""


@dataclass(frozen=True)
class Pin:
    """One ``name==version`` line of a lock file (``problem`` set when it is not one)."""

    file: str
    line: int
    text: str
    name: str = ""
    version: str = ""
    problem: str = ""


@dataclass(frozen=True)
class Finding:
    """A pin and what the data says of it: advisory ids, or why it could not be checked."""

    pin: Pin
    advisories: tuple[str, ...] = ()
    unchecked: str = ""


def read_pins(path: Path) -> list[Pin]:
    """Every requirement line of a lock file, as a pin or with why it is not one.

    >>> import tempfile
    >>> lock = Path(tempfile.mkdtemp()) / "r.lock"
    >>> _ = lock.write_text("# comment\\nRequests==2.19.0\\n    # via x\\nflask>=2\\n")
    >>> [(p.name, p.version, p.problem) for p in read_pins(lock)]
    [('requests', '2.19.0', ''), ('', '', 'not an exact pin (name==version)')]
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read the lock file {path}: {exc}"
        raise AuditError(msg) from None
    pins = []
    for number, raw in enumerate(lines, start=1):
        text = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not text:
            continue
        pins.append(_pin(path.name, number, text))
    return pins


def _pin(file: str, line: int, text: str) -> Pin:
    if text.startswith("-"):
        return Pin(file, line, text, problem="an option line, not a pin: the audit reads pins only")
    try:
        requirement = Requirement(text.rstrip("\\").strip())
    except InvalidRequirement:
        return Pin(file, line, text, problem="not a requirement the audit can read")
    specifiers = list(requirement.specifier)
    exact = (
        requirement.url is None
        and len(specifiers) == 1
        and specifiers[0].operator in {"==", "==="}
        and "*" not in specifiers[0].version
    )
    if not exact:
        return Pin(file, line, text, problem="not an exact pin (name==version)")
    return Pin(file, line, text, canonicalize_name(requirement.name), specifiers[0].version)


def load_data(path: Path = DATA) -> dict[str, Any]:
    """The advisory data: its ``snapshot`` (provenance) and ``packages`` (name -> advisories)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        msg = f"no advisory data at {path}: nothing was checked (see tools/advisories/README.md)"
        raise AuditError(msg) from None
    except (OSError, EOFError, ValueError) as exc:
        msg = f"the advisory data {path} cannot be read ({exc}): nothing was checked"
        raise AuditError(msg) from None
    if not isinstance(data, dict) or not data.get("packages") or "snapshot" not in data:
        msg = f"the advisory data {path} holds no advisories: nothing was checked"
        raise AuditError(msg)
    return data


def check(pin: Pin, packages: dict[str, list[dict[str, Any]]]) -> Finding:
    """The advisories that affect ``pin``; or why it could not be checked.

    >>> data = {"demo": [{"id": "X-1", "ranges": [{"introduced": "0", "fixed": "2.0"}]}]}
    >>> check(Pin("r", 1, "demo==1.5", "demo", "1.5"), data).advisories
    ('X-1',)
    >>> check(Pin("r", 1, "demo==2.0", "demo", "2.0"), data).advisories
    ()
    """
    if pin.problem:
        return Finding(pin, unchecked=pin.problem)
    advisories = packages.get(pin.name, [])
    try:
        version = Version(pin.version)
    except InvalidVersion:
        if not advisories:
            return Finding(pin)  # no advisory for the package at all: none can apply
        return Finding(pin, unchecked=f"version {pin.version!r} is not a PEP 440 version")
    hits = []
    for advisory in advisories:
        try:
            affected = _affects(advisory, version)
        except InvalidVersion as exc:
            return Finding(pin, unchecked=f"{advisory['id']} gives a version not comparable: {exc}")
        if affected:
            aliases = [a for a in advisory.get("aliases", ()) if a.startswith("CVE-")]
            hits.append(f"{advisory['id']} ({', '.join(aliases)})" if aliases else advisory["id"])
    return Finding(pin, advisories=tuple(hits))


def _affects(advisory: dict[str, Any], version: Version) -> bool:
    """OSV's rule: an explicitly listed version, or one inside an ECOSYSTEM range."""
    if any(Version(v) == version for v in advisory.get("versions", ()) if _is_version(v)):
        return True
    for events in advisory.get("ranges", ()):
        introduced = events.get("introduced", "0")
        if introduced != "0" and version < Version(introduced):
            continue
        if "fixed" in events and version >= Version(events["fixed"]):
            continue
        if "last_affected" in events and version > Version(events["last_affected"]):
            continue
        if "limit" in events and version >= Version(events["limit"]):
            continue
        return True
    return False


def _is_version(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False  # listed versions are exact strings; one PEP 440 cannot read matches none
    return True


def audit(
    lock_files: Sequence[Path],
    *,
    data_path: Path = DATA,
    today: dt.date | None = None,
    max_age_days: int = MAX_AGE_DAYS,
) -> tuple[int, list[str]]:
    """Audit the lock files; returns the exit code and the lines to print."""
    try:
        data = load_data(data_path)
        pins = [pin for path in lock_files for pin in read_pins(path)]
    except AuditError as exc:
        return EXIT_UNCHECKED, [f"audit: FAILED: {exc}"]
    snapshot = data["snapshot"]
    lines = [
        f"audit: advisory data {snapshot.get('source')} at {snapshot.get('commit', '?')[:12]}, "
        f"dated {snapshot.get('date')} ({sum(map(len, data['packages'].values()))} advisories)"
    ]
    findings = [check(pin, data["packages"]) for pin in pins]
    vulnerable = [f for f in findings if f.advisories]
    unchecked = [f for f in findings if f.unchecked]
    for finding in vulnerable:
        where = f"{finding.pin.file}:{finding.pin.line}"
        lines.append(f"audit: {where} {finding.pin.text}: {', '.join(finding.advisories)}")
    for finding in unchecked:
        where = f"{finding.pin.file}:{finding.pin.line}"
        lines.append(f"audit: {where} {finding.pin.text!r} NOT CHECKED: {finding.unchecked}")
    age = _age(snapshot.get("date"), today or dt.date.today())
    stale = age is None or age > max_age_days
    if stale:
        lines.append(
            f"audit: the advisory data is {'undated' if age is None else f'{age} days old'} "
            f"(the limit is {max_age_days}): refresh it (tools/advisories/README.md)"
        )
    checked = len(findings) - len(unchecked)
    names = ", ".join(path.name for path in lock_files)
    summary = (
        f"audit: {len(findings)} pins in {names}: {checked} checked, "
        f"{len(vulnerable)} with known advisories, {len(unchecked)} not checked"
    )
    if not findings:
        lines.append(f"audit: FAILED: no pins found in {', '.join(map(str, lock_files))}")
        return EXIT_UNCHECKED, lines
    if unchecked or stale:
        return EXIT_UNCHECKED, [*lines, summary, "audit: FAILED: not every pin could be checked"]
    if vulnerable:
        return EXIT_VULNERABLE, [*lines, summary, "audit: FAILED: pins with known advisories"]
    return EXIT_CLEAN, [*lines, summary, "audit: every pin checked: no known advisories"]


def _age(date: object, today: dt.date) -> int | None:
    try:
        return (today - dt.date.fromisoformat(str(date)[:10])).days
    except ValueError:
        return None


# --- refreshing the data from a checkout of the advisory database ------------------------


def extract(checkout: Path) -> dict[str, list[dict[str, Any]]]:
    """Every PyPI advisory under ``checkout/vulns`` (not withdrawn), by canonical package name:
    its id, aliases, ECOSYSTEM ranges (events) and listed versions."""
    import yaml  # type: ignore[import-untyped]

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    packages: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((checkout / "vulns").rglob("*.yaml")):
        entry = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe loader
        if not isinstance(entry, dict) or entry.get("withdrawn"):
            continue
        for affected in entry.get("affected") or ():
            package = affected.get("package") or {}
            if package.get("ecosystem") != "PyPI":
                continue
            record: dict[str, Any] = {"id": entry["id"]}
            if entry.get("aliases"):
                record["aliases"] = sorted(entry["aliases"])
            ranges = list(_ranges(affected.get("ranges") or ()))
            if ranges:
                record["ranges"] = ranges
            if affected.get("versions"):
                record["versions"] = [str(v) for v in affected["versions"]]
            packages.setdefault(canonicalize_name(package["name"]), []).append(record)
    return dict(sorted(packages.items()))


def _ranges(ranges: Iterable[dict[str, Any]]) -> Iterator[dict[str, str]]:
    """ECOSYSTEM ranges as one dict per introduced event (OSV's evaluation, range by range)."""
    for entry in ranges:
        if entry.get("type") != "ECOSYSTEM":
            continue  # GIT ranges name commits; the listed versions carry what they mean
        current: dict[str, str] | None = None
        for event in entry.get("events") or ():
            ((kind, value),) = event.items()
            if kind == "introduced":
                if current is not None:
                    yield current
                current = {"introduced": str(value)}
            elif current is not None:
                current[kind] = str(value)
        if current is not None:
            yield current


def refresh(checkout: Path, *, source: str, out: Path = DATA) -> str:
    """Rewrite the data file from ``checkout`` (a git clone); returns a one-line summary."""
    log = subprocess.run(  # noqa: S603 - git on a folder the maintainer names
        ["git", "-C", str(checkout), "log", "-1", "--format=%H %cI"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    packages = extract(checkout)
    data = {
        "snapshot": {"source": source, "commit": log[0], "date": log[1][:10]},
        "licence": "CC-BY-4.0",
        "packages": packages,
    }
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    with gzip.GzipFile(out, "wb", mtime=0) as handle:  # the same data gives the same bytes
        handle.write(text.encode())
    count = sum(map(len, packages.values()))
    return f"{out}: {count} advisories of {len(packages)} packages, {source} at {log[0][:12]}"


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: ``check LOCK...`` or ``refresh CHECKOUT``."""
    parser = argparse.ArgumentParser(prog="python -m tools.dependency_audit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    checking = commands.add_parser("check", help="audit lock files")
    checking.add_argument("lock_files", nargs="+", type=Path, metavar="LOCK")
    checking.add_argument("--data", type=Path, default=DATA, help="advisory data (json.gz)")
    checking.add_argument("--max-age-days", type=int, default=MAX_AGE_DAYS)
    refreshing = commands.add_parser("refresh", help="rebuild the data from a checkout")
    refreshing.add_argument("checkout", type=Path, help="a git clone of the advisory database")
    refreshing.add_argument(
        "--source",
        default="https://github.com/pypa/advisory-database",
        help="where the checkout came from (recorded with the data)",
    )
    refreshing.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    if args.command == "refresh":
        print(refresh(args.checkout, source=args.source, out=args.out))
        return EXIT_CLEAN
    code, lines = audit(args.lock_files, data_path=args.data, max_age_days=args.max_age_days)
    print("\n".join(lines), file=sys.stdout if code == EXIT_CLEAN else sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
