"""Save screenshots of each dashboard view into docs/img (runs the browser test that takes them).

    python bench/screenshots.py [OUT_DIR]

Needs /usr/bin/chromium and the playwright package, like tests/test_dashboard.py.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img"
    env = {**os.environ, "CHRONIK_SCREENSHOTS": str(out.resolve())}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "tests" / "test_dashboard.py"),
           "-k", "screenshots", "-rs"]
    result = subprocess.run(cmd, env=env, cwd=ROOT, check=False)
    if result.returncode == 0:
        print(f"screenshots in {out}: " + ", ".join(sorted(p.name for p in out.glob("*.png"))))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
