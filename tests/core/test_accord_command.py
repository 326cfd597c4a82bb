"""The `accord` console script does what manage.py does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def accord_executable() -> str:
    candidate = Path(sys.executable).with_name("accord")
    return str(candidate) if candidate.exists() else (shutil.which("accord") or "accord")


def test_accord_runs_django_commands_and_lists_our_own(tmp_path: Path) -> None:
    env = {**os.environ, "ACCORD_VAR_DIR": str(tmp_path)}
    result = subprocess.run([accord_executable(), "help"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for command in ["migrate", "runserver", "shell", "demo", "audit", "token", "backup", "restore"]:
        assert command in result.stdout
