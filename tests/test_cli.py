"""The CLI through its real entry point: every command has help and is documented; errors are clear."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from gen_cli_docs import commands, render  # noqa: E402


def chronik(*args: str, stdin: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chronik", *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def test_every_command_has_help_and_is_documented() -> None:
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    paths = commands()
    assert len(paths) >= 10
    for path in paths:
        res = chronik(*path, "--help")
        assert res.returncode == 0, path
        assert "Usage:" in res.stdout
        assert f"## chronik {' '.join(path)}" in doc, f"{path} missing from docs/cli.md"
    assert doc == render(), "docs/cli.md is stale: run python scripts/gen_cli_docs.py"


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["code", "/no/such/file.txt"], 1, "E001"),
        (["events", "--db", "/no/such.duckdb"], 1, "E030"),
        (["code", "-", "--lang", "fr"], 1, "E005"),
        (["dates", "resolve", "heute", "--story-date", "10.02.2022"], 1, "E007"),
        (["events", "--db", "x.duckdb", "--type", "HUG"], 2, "E009"),
        (["code", "x", "--format", "yaml"], 2, "Invalid value"),
        (["code", "-", "--pipeline", "turbo"], 2, "E016"),
    ],
)
def test_misuse_exits_non_zero_with_a_clear_message(args: list[str], code: int, needle: str) -> None:
    res = chronik(*args, stdin="Le gouvernement a critiqué les sanctions.")
    assert res.returncode == code, res.stderr
    assert needle in res.stderr
