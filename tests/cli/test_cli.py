"""The command line as people use it: output, exit codes, one-line errors, --help."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tests.test_readme import COMMANDS

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "fixtures"
STRONG = "quiet harbour pencil 27"  # passes the default password policy
HEADER = "client_id,measure,administered_on," + ",".join(f"item_{n}" for n in range(1, 10))


def iop(*args: str, env: dict[str, str] | None = None, input: str | None = None):
    """Run `iop` as a process; returns the completed process (text)."""
    return subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *args],
        capture_output=True,
        text=True,
        env=os.environ | (env or {}),
        input=input,
        timeout=300,
    )


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=" ".join)
def test_every_command_has_help(command):
    result = iop(*command, "--help")
    assert result.returncode == 0
    assert "Usage" in result.stdout


def test_score_writes_every_row_in_input_order_with_exit_0(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        HEADER + "\nC2,phq9,2025-01-06,3,3,3,3,3,3,3,3,1\nC1,phq9,2025-01-05,0,0,0,0,0,0,0,0,0\n"
    )
    result = iop("score", str(source), "--out", str(tmp_path / "out.csv"))
    assert result.returncode == 0, result.stderr
    out = pl.read_csv(tmp_path / "out.csv")
    assert out.columns == [
        "client_id",
        "measure",
        "administered_on",
        "score",
        "severity",
        "items_answered",
        "prorated",
        "critical",
        "problems",
    ]
    assert out["client_id"].to_list() == ["C2", "C1"]
    assert out["score"].to_list() == [25, 0]
    assert out["critical"].to_list() == [True, False]
    assert "2 rows: 2 scored" in result.stderr


@pytest.mark.parametrize("out", [True, False], ids=["fast path", "full path"])
def test_score_leaves_critical_empty_for_an_instrument_that_asks_no_safety_item(tmp_path, out):
    # a PHQ-2 never asked about self-harm: "not asked" is empty, never false ("no self-harm")
    source = tmp_path / "in.csv"
    source.write_text(
        "client_id,measure,administered_on,item_1,item_2\n"
        "C1,phq2,2025-01-06,0,1\nC2,phq2,2025-01-06,3,3\n"
    )
    target = tmp_path / "out.csv"
    result = iop("score", str(source), *(["--out", str(target)] if out else []))
    assert result.returncode == 0, result.stderr
    text = target.read_text() if out else result.stdout
    table = pl.read_csv(text.encode(), infer_schema=False)
    assert table["critical"].to_list() == [None, None]
    assert text.splitlines()[1] == 'C1,phq2,2025-01-06,1,Screen negative,2,false,,""'


def test_score_exits_3_when_rows_are_rejected_and_still_lists_them(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "\nC1,phq9,2025-01-06,1,1,1,1,1,1,1,1,1\nC2,phq9,2025-01-06,9\n")
    result = iop("score", str(source))
    assert result.returncode == 3
    out = pl.read_csv(result.stdout.encode())
    assert out.height == 2
    assert "item_1 is 9" in out["problems"][1]


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), ("a;b;c\n1;2;3\n", "semicolon-separated"), ("\xff\xfe", "not UTF-8")],
)
def test_score_exits_2_with_one_line_for_unusable_input(tmp_path, content, message):
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_bytes(content.encode("latin-1"))
    result = iop("score", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert message in result.stderr.lower() or message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_score_into_a_missing_folder_is_one_line_and_exit_2(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "\nC1,phq9,2025-01-05,0,0,0,0,0,0,0,0,0\n")
    result = iop("score", str(source), "--out", str(tmp_path / "missing" / "out.csv"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: cannot write {tmp_path / 'missing' / 'out.csv'}: "
        f"the folder {tmp_path / 'missing'} does not exist"
    ]


def test_the_fixtures_score_row_by_row(tmp_path):
    result = iop("score", str(FIXTURES / "administrations.csv"), "--out", str(tmp_path / "o.csv"))
    out = pl.read_csv(tmp_path / "o.csv", infer_schema=False)
    rows = len((FIXTURES / "administrations.csv").read_text().splitlines()) - 1
    assert out.height == rows
    assert result.returncode == 3  # the deliberate bad rows of the fixtures
    assert out.filter(pl.col("score").is_null() & pl.col("problems").is_null()).height == 0


def test_a_database_that_is_behind_is_refused_with_what_to_do(tmp_path):
    db = f"sqlite:///{tmp_path / 'old.db'}"
    result = iop("import", str(FIXTURES / "clinicians.csv"), "--db", db)
    assert result.returncode == 2
    assert "run `iop db upgrade` first" in result.stderr
    assert iop("db", "upgrade", "--db", db).returncode == 0
    assert iop("db", "status", "--db", db).returncode == 0


def test_a_locked_database_is_a_clear_one_line_error(tmp_path):
    path = tmp_path / "locked.db"
    db = f"sqlite:///{path}"
    assert iop("db", "upgrade", "--db", db).returncode == 0
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        result = iop(
            "import",
            str(FIXTURES / "clinicians.csv"),
            "--db",
            db,
            env={"IOP_SQLITE_BUSY_TIMEOUT_MS": "200"},
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 2
    assert "the database is locked by another process" in result.stderr
    assert "Traceback" not in result.stderr


def test_accounts_are_managed_from_the_command_line(tmp_path):
    db = f"sqlite:///{tmp_path / 'users.db'}"
    iop("db", "upgrade", "--db", db)
    iop("import", str(FIXTURES / "clinicians.csv"), "--db", db)
    added = iop(
        "users",
        "add",
        "ana",
        "--role",
        "clinician",
        "--site",
        "Riverside",
        "--password",
        "copper kettle winter 9",
        "--db",
        db,
    )
    assert added.returncode == 0, added.stderr
    assert (
        iop("users", "add", "ana", "--role", "admin", "--password", "x", "--db", db).returncode == 2
    )
    assert (
        iop("users", "add", "bo", "--role", "client", "--password", "x", "--db", db).returncode == 2
    )  # a client account needs its client id
    operator = iop("users", "add", "op", "--role", "operator", "--password", "x", "--db", db)
    assert operator.returncode == 2
    assert "role must be one of client, clinician, director, admin" in operator.stderr
    assert (
        iop(
            "users", "reset-password", "ana", "--password", "second lantern orchard", "--db", db
        ).returncode
        == 0
    )
    assert iop("users", "disable", "ana", "--db", db).returncode == 0
    from dashboard.auth.accounts import sign_in
    from dashboard.store.engine import make_engine

    engine = make_engine(db)
    assert sign_in(engine, "ana", "second lantern orchard").viewer is None  # disabled
    assert iop("users", "enable", "ana", "--db", db).returncode == 0
    assert sign_in(engine, "ana", "second lantern orchard").viewer is not None
    assert sign_in(engine, "ana", "copper kettle winter 9").viewer is None
    engine.dispose()


def test_demo_accounts_are_listed_only_on_the_demo_database(demo_engine, tmp_path):
    from dashboard.store import schema
    from dashboard.store.demo_flag import demo_accounts
    from dashboard.store.engine import make_engine

    assert [name for name, _ in demo_accounts(demo_engine)] == [
        "clinician",
        "director",
        "admin",
        "client",
    ]
    plain = make_engine(f"sqlite:///{tmp_path / 'real.db'}")
    schema.upgrade(plain)
    assert demo_accounts(plain) == ()
    plain.dispose()


def test_the_command_line_acts_as_the_operator_in_the_audit_log(tmp_path):
    db = f"sqlite:///{tmp_path / 'operator.db'}"
    assert iop("db", "upgrade", "--db", db, env={"IOP_OPERATOR": "ana"}).returncode == 0
    assert iop("db", "upgrade", "--db", db).returncode == 0  # nothing to migrate, not audited
    as_cy = {"IOP_OPERATOR": "cy"}
    added = iop(
        "users", "add", "bo", "--role", "admin", "--password", STRONG, "--db", db, env=as_cy
    )
    assert added.returncode == 0
    out = str(tmp_path / "scores.csv")
    exported = iop("export", "scores", "--out", out, "--db", db, env={"IOP_OPERATOR": "di"})
    assert exported.returncode == 0
    with sqlite3.connect(tmp_path / "operator.db") as connection:
        rows = connection.execute(
            "SELECT actor, action, resource_id FROM audit_log ORDER BY id"
        ).fetchall()
    from dashboard.store.schema import HEAD

    assert rows == [
        ("ana", "upgrade-schema", HEAD),
        ("cy", "create-user", "bo"),
        ("di", "export", None),
    ]


def test_a_program_definition_whose_source_has_no_label_is_refused_saying_what_to_write(
    tmp_path,
):
    folder = tmp_path / "instruments"
    folder.mkdir()
    example = FIXTURES.parents[1] / "tests/measures/data/custom_instruments/example_reverse.toml"
    text = example.read_text(encoding="utf-8")
    old = text[text.index("tests.label") : text.index("tests.text")]
    (folder / "example.toml").write_text(
        text.replace(old, "").replace("tests.text =", "tests ="), encoding="utf-8"
    )
    database = tmp_path / "iop.db"
    assert iop("db", "upgrade", "--db", str(database)).returncode == 0
    result = iop(
        "export", "scores", "--db", str(database), env={"IOP_INSTRUMENTS_DIR": str(folder)}
    )
    assert result.returncode == 2
    assert str(folder / "example.toml") in result.stderr
    assert (
        "source 'tests' has no short label: write it as tests.label = "
        '"Author et al. 2001, Short title" and tests.text = "the full reference" under [sources]'
    ) in result.stderr
    assert result.stdout == ""
