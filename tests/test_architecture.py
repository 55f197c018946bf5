"""The house plan, checked: no private names across packages, no instrument ids in dashboard/."""

from __future__ import annotations

import ast
import re
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


#: Where instrument ids may be spelled: the synthetic data and the demo build them by id.
IDS_ALLOWED = ("dashboard/synthetic/", "dashboard/demo.py")


def _docstrings(tree: ast.AST) -> set[int]:
    """The ``id()`` of every docstring node of a module, class or function."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def instrument_ids_in_dashboard() -> list[str]:
    """Every string constant in dashboard/ that is an instrument id (docstrings aside).

    The views list instruments from the catalog's ``[display]`` settings: an id
    spelled in the code is a list a new instrument would be missing from.
    """
    from measures import load_catalog

    ids = set(load_catalog().ids)
    found = []
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        if where.startswith(IDS_ALLOWED):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in ids and id(node) not in docstrings:
                found.append(f"{where}:{node.lineno} {node.value}")
    return found


def test_no_instrument_id_is_spelled_in_the_dashboard():
    assert instrument_ids_in_dashboard() == []


def test_the_check_finds_an_instrument_id(tmp_path, monkeypatch):
    views = tmp_path / "dashboard" / "app" / "views"
    views.mkdir(parents=True)
    (views / "page.py").write_text(
        '"""A page that says phq9 in its docstring only."""\n\nSHOWN = ("gad7",)\n'
    )
    synthetic = tmp_path / "dashboard" / "synthetic"
    synthetic.mkdir()
    (synthetic / "responses.py").write_text('MEASURES = ("phq9",)\n')
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert instrument_ids_in_dashboard() == ["dashboard/app/views/page.py:3 gad7"]


def _contract_layers() -> list[set[str]]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [
        c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    ]
    return [{name.strip() for name in layer.split("|")} for layer in layers]


def test_every_package_is_in_a_layer_and_architecture_md_names_them_in_order():
    on_disk = {
        f"dashboard.{p.name}"
        for p in (ROOT / "dashboard").iterdir()
        if (p / "__init__.py").exists()
    } | {f"dashboard.{p.stem}" for p in (ROOT / "dashboard").glob("*.py") if p.stem != "__init__"}
    layers = _contract_layers()
    assert set().union(*layers) - {"measures"} == on_disk
    table = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8").split("## The layers")[1]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    documented = [set(re.findall(r"`(\w+)`", row.split("|")[1])) for row in rows]
    assert documented == [{name.split(".")[-1] for name in layer} for layer in layers]
