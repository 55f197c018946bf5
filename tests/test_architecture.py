"""The house plan, checked: no private names across packages (layers: lint-imports)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dashboard", "measures")


def _modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append((name, path))
    return found


def _package_of(module: str) -> str:
    """``dashboard.review.agenda`` -> ``dashboard.review``; ``measures.x`` -> ``measures``."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "dashboard" and len(parts) > 1 else parts[0]


def private_imports_across_packages() -> list[str]:
    """Every ``from other_package... import _private`` in the code base."""
    found = []
    for module, path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.module is None or node.level:
                continue
            if not node.module.startswith(PACKAGES) or _package_of(node.module) == _package_of(
                module
            ):
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}")
    return found


def test_no_private_name_is_imported_from_another_package():
    assert private_imports_across_packages() == []


def test_the_check_finds_a_private_import(tmp_path, monkeypatch):
    package = tmp_path / "dashboard" / "review"
    package.mkdir(parents=True)
    (package / "agenda.py").write_text("from dashboard.access.caseload import _hidden\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.PACKAGES", ("dashboard",))
    assert private_imports_across_packages() == ["dashboard/review/agenda.py:1 _hidden"]
