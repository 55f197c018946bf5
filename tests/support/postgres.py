"""A throwaway PostgreSQL server for the tests: the one CI started, or one we start."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.ports import free_port

SKIP_VARIABLE = "IOP_SKIP_POSTGRES"
URL_VARIABLE = "IOP_TEST_POSTGRES_URL"


class NoPostgres(RuntimeError):  # noqa: N818
    """No PostgreSQL server binaries on this machine."""


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


class LocalServer:
    """A PostgreSQL cluster in a temporary folder, on a free local port."""

    def __init__(self) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            msg = (
                "PostgreSQL server binaries not found: install them (Debian: apt-get install "
                f"postgresql) or set {SKIP_VARIABLE}=1 to skip the PostgreSQL tests explicitly"
            )
            raise NoPostgres(msg)
        self.bin = Path(binaries[-1]).parent
        self.data = Path(tempfile.mkdtemp(prefix="iop-test-pg-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres")
        subprocess.run(
            _as_postgres(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
        )
        self.resume()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def resume(self) -> None:
        """Start the server (again, after :meth:`pause`: same port, same data)."""
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_postgres(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    options,
                    "-l",
                    str(self.data / "log"),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )

    def pause(self) -> None:
        """Stop the server, keeping its data: every connection is cut until :meth:`resume`."""
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres(
                [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
            ),
            check=False,
            capture_output=True,
        )
        for _ in range(20):
            try:
                shutil.rmtree(self.data)
                break
            except OSError:
                time.sleep(0.1)
