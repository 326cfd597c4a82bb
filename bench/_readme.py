"""What every benchmark shares: a line describing the machine, and writing its section of bench/README.md."""

from __future__ import annotations

import os
import platform
import re
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def machine() -> str:
    info = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    cpu = next(
        (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "unknown CPU"
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def write_section(title: str, section: str) -> None:
    """Replace the `## title` section of bench/README.md with `section`, or append it."""
    text = README.read_text() if README.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    README.write_text(text)


def fresh_databases(wanted: str, directory: Path) -> Iterator[tuple[str, str, Path]]:
    """Each database asked for (comma-separated), fresh, in turn: SQLite in its own ACCORD_VAR_DIR under
    `directory`, PostgreSQL in a throwaway cluster (skipped, saying so, when pg_ctl is not on PATH). Yields the
    name, its DATABASE_URL and the var directory while that database runs."""
    from tests.postgres_cluster import throwaway_cluster  # the caller has put the repository on sys.path

    names = set(wanted.split(","))
    if "postgresql" in names and shutil.which("pg_ctl") is None:
        print("pg_ctl is not on PATH: PostgreSQL skipped")
        names.discard("postgresql")
    for name in ("sqlite", "postgresql"):
        if name not in names:
            continue
        var_dir = directory / f"var-{name}"
        var_dir.mkdir()
        cluster: AbstractContextManager[str] = (
            throwaway_cluster()
            if name == "postgresql"
            else nullcontext(f"sqlite:///{var_dir}/accord.sqlite3")
        )
        with cluster as url:
            yield name, url, var_dir
