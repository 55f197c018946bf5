"""What the command line prints never carries clinical data or raw control characters
(issue 11 items 4 and 6): values from files are escaped, a failing database write is one
line without SQL parameters, and the served app shows short error messages."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.app.server import SERVER_CONFIG
from tests.cli.test_cli import HEADER, iop

ROOT = Path(__file__).resolve().parents[2]
#: Bytes any file the failing import writes may grow to (the database's WAL among them).
FILE_SIZE_LIMIT = 256 * 1024
#: A client id and an answer pattern that must never appear in an error message.
SECRET_ID = "C7391"


def test_iop_import_prints_control_and_invisible_characters_as_escapes(tmp_path, db):
    name = "visit\x1bc.csv"  # a file name that resets the terminal
    source = tmp_path / name
    source.write_text(
        f"{HEADER}\n"
        '"C\x1b[31m1",phq9,2026-01-05,1,1,1,1,1,1,1,1,1\n'
        "C\u202e1000,phq9,2026-01-05,1,1,1,1,1,1,1,1,1\n"
        "C\u200b2,phq9,2026-01-05,1,1,1,1,1,1,1,1,1\n",
        encoding="utf-8",
    )
    result = iop("import", str(source), "--db", db)
    assert result.returncode == 3
    for raw in ("\x1b", "\u202e", "\u200b"):
        assert raw not in result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "visit\\x1bc.csv (csv, import #1): 3 rows read = 0 accepted + 0 duplicates + 3 rejected",
        "  row 2: client_id 'C\\x1b[31m1' has an invisible or control character (\\x1b)",
        "  row 3: client_id 'C\\u202e1000' has an invisible or control character (\\u202e)",
        "  row 4: client_id 'C\\u200b2' has an invisible or control character (\\u200b)",
    ]


def test_iop_score_prints_an_ignored_column_with_its_escapes(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        "client_id,measure,administered_on,item_1,item_2,note\x1b[8m\nC1,phq2,2026-01-05,1,1,x\n"
    )
    result = iop("score", str(source))
    assert "ignored column(s): note\\x1b[8m" in result.stderr
    assert "\x1b" not in result.stderr


def _limit_file_size() -> None:
    """In the child: no file may grow past FILE_SIZE_LIMIT (a disk that fills up)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails instead of killing us


def test_a_full_disk_during_import_prints_one_line_without_data(tmp_path, db):
    source = tmp_path / "big.csv"
    rows = (f"{SECRET_ID}{n:05d},phq9,2026-01-05,3,2,3,2,3,2,3,2,1\n" for n in range(20_000))
    source.write_text(HEADER + "\n" + "".join(rows))
    result = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "import", str(source), "--db", db],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_limit_file_size,
        env=os.environ | {"PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 2
    # one line naming the file and what SQLite said ("disk I/O error" or "database or
    # disk is full", depending on the write), never the statement or its rows
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: big.csv: not imported: ")
    assert "disk" in line
    assert SECRET_ID not in result.stdout + result.stderr
    assert "INSERT" not in result.stderr
    # nothing of the file was kept: the transaction was rolled back
    engine = sa.create_engine(db)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM clients").scalar() == 0
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_refused_statement_on_postgresql_prints_one_line_without_data(tmp_path, database_url):
    role = f"iop_limited_{os.getpid()}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    limited = sa.make_url(database_url).set(username=role).render_as_string(hide_password=False)
    source = tmp_path / "a.csv"
    source.write_text(f"{HEADER}\n{SECRET_ID},phq9,2026-01-05,3,2,3,2,3,2,3,2,1\n")
    assert iop("import", str(source), "--db", database_url).returncode == 0
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        connection.exec_driver_sql(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        connection.exec_driver_sql(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
        connection.exec_driver_sql(f"REVOKE INSERT ON administrations FROM {role}")
        connection.exec_driver_sql(f"REVOKE SELECT ON clients FROM {role}")
    source.write_text(f"{HEADER}\n{SECRET_ID},phq9,2026-01-12,3,2,3,2,3,2,3,2,1\n")
    try:
        imported = iop("import", str(source), "--db", limited)
        exported = iop("export", "scores", "--db", limited)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"REASSIGN OWNED BY {role} TO CURRENT_USER")
            connection.exec_driver_sql(f"DROP OWNED BY {role}")
            connection.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()
    # the import use-case names the file; any other command says what the database said
    assert (imported.returncode, exported.returncode) == (2, 2)
    assert imported.stderr.splitlines() == [
        "error: a.csv: not imported: the database refused it (InsufficientPrivilege); "
        "nothing of this file was stored"
    ]
    assert exported.stderr.splitlines() == [
        "error: the database refused the request (InsufficientPrivilege): nothing of it was saved"
    ]
    for result in (imported, exported):
        assert SECRET_ID not in result.stdout + result.stderr


def test_engines_never_put_parameters_in_their_errors(engine):
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.connect() as connection:
        connection.execute(
            sa.text("INSERT INTO clients (id, code) VALUES (:id, :code)"),
            [{"id": 1, "code": SECRET_ID}, {"id": 1, "code": SECRET_ID}],
        )
    assert SECRET_ID not in str(caught.value)
    assert "parameters hidden" in str(caught.value)


def test_the_app_shows_users_short_error_messages():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["disableDataExport"] is True
    # `iop serve` runs the server with the same settings, from any working folder
    assert SERVER_CONFIG["client.showErrorDetails"] == "none"
    assert SERVER_CONFIG["client.disableDataExport"] is True
