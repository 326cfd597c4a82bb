"""Runs a command against a throwaway PostgreSQL cluster: `python -m tests.postgres_cluster pytest …`.

The cluster lives in a temporary directory, listens on a free loopback port with trust
authentication, and is stopped and deleted afterwards whatever the command's outcome. As root,
PostgreSQL's binaries run as the `postgres` user (they refuse to run as root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def throwaway_cluster(*settings: str) -> Iterator[str]:
    """Start a cluster (with these extra `name=value` settings); yield its DATABASE_URL."""
    root = Path(tempfile.mkdtemp(prefix="accord-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    subprocess.run(
        _as_postgres(["initdb", "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c full_page_writes=off "
        "-c synchronous_commit=off -c max_connections=100" + "".join(f" -c {setting}" for setting in settings)
    )
    subprocess.run(
        _as_postgres(["pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        subprocess.run(
            _as_postgres(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    user,
                    "-d",
                    "postgres",
                    "-qc",
                    "CREATE DATABASE accord",
                ]
            ),
            check=True,
        ) if shutil.which("psql") else None
        yield f"postgres://{user}@127.0.0.1:{port}/accord"
    finally:
        subprocess.run(
            _as_postgres(["pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"]),
            stdout=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m tests.postgres_cluster COMMAND [ARGS…]", file=sys.stderr)
        return 2
    # A test run churns small tables inside rolled-back transactions: autovacuum would spend the server's CPU
    # cleaning up after it, and JIT compiles queries whose estimates go stale without it. (Benchmarks start
    # their clusters without these: a server keeps both on.)
    with throwaway_cluster("autovacuum=off", "jit=off") as url:
        print(f"== Running on PostgreSQL ({url})", flush=True)
        return subprocess.run(argv, env={**os.environ, "DATABASE_URL": url}).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
