"""A throwaway PostgreSQL server for the tests: Debian's own binaries, a cluster in a temporary folder, a free
port on 127.0.0.1, removed at the end. Nothing outside the folder is touched.

PostgreSQL refuses to run as root; under root the cluster is made and run as the ``postgres`` user the
Debian package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


class Unavailable(Exception):
    """PostgreSQL can't be started here; the message says why (the tests that need it are skipped with it)."""


@dataclass
class Server:
    folder: Path
    port: int
    run_as: list[str]
    bin_dir: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; its SQLAlchemy URL."""
        self._psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _psql(self, sql: str) -> None:
        subprocess.run([*self.run_as, str(self.bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(self.port),
                        "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
                       check=True, capture_output=True, text=True)

    def stop(self) -> None:
        subprocess.run([*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), "-m",
                        "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start() -> Server:
    """Initialise and start a cluster with trust authentication on 127.0.0.1 only."""
    bin_dir = next((path for path in BIN_DIRS if (path / "initdb").exists()), None)
    if bin_dir is None:
        raise Unavailable("PostgreSQL is not installed (apt-get install postgresql; `make test` does it as root)")
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="parley-pg-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root and there is no postgres user to run PostgreSQL as") from None
        os.chown(folder, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = folder / "data"
    steps = [
        [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
        [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
         f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off", "start"],
    ]
    for step in steps:
        done = subprocess.run([*run_as, *step], capture_output=True, text=True)
        if done.returncode:
            shutil.rmtree(folder, ignore_errors=True)
            raise Unavailable(f"{Path(step[0]).name} failed: {(done.stderr or done.stdout).strip()[-300:]}")
    return Server(folder, port, run_as, bin_dir)
