"""The decision model is data: the committed decision.toml is what the training script makes."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_training_reproduces_the_committed_decision() -> None:
    done = subprocess.run(
        [sys.executable, "bench/train_decision.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is reproduced" in done.stdout
