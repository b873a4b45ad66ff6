"""``demo-legacy`` ends with the command to run next, and following it word for word works: it
keeps the data folder the legacy program was built in."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from cli.legacy_demo import same_servers
from core.servers import ServerUrls
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)


@pytest.mark.embedded
@pytest.mark.timeout(300)
def test_following_the_closing_hint_repairs_program_265(tmp_path: Path) -> None:
    data_dir = tmp_path / ".liftplan-legacy"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(LIFTPLAN_DATA_DIR=str(data_dir), LOG_LEVEL="WARNING")

    built = run([sys.executable, "main.py", "demo-legacy"], env)

    assert built.returncode == 0, built.stdout + built.stderr
    hint = built.stdout.strip().splitlines()[-1].split("now: ", 1)[1]
    assert hint == f"LIFTPLAN_DATA_DIR={data_dir} .venv/bin/liftplan repair-program 265 --with-worker"

    words = shlex.split(hint)
    at = words.index(".venv/bin/liftplan")
    assignments, args = words[:at], words[at + 1 :]
    followed_env = {k: v for k, v in env.items() if k != "LIFTPLAN_DATA_DIR"}  # the hint alone sets it
    followed_env.update(dict(a.split("=", 1) for a in assignments))
    followed = run([words[at], *args, "--width", "160"], followed_env)  # .venv/bin/liftplan, from ROOT

    assert followed.returncode == 0, followed.stdout + followed.stderr
    assert "Enqueued 71 sessions." in followed.stdout


def test_the_hint_names_the_data_folder_or_the_urls_only_when_needed() -> None:
    embedded = ServerUrls("postgresql://x", "redis://x", embedded=True)
    assert same_servers(Settings(liftplan_data_dir=Path(".liftplan")), embedded) == ""
    elsewhere = Settings(liftplan_data_dir=Path("my data"))
    assert same_servers(elsewhere, embedded) == "LIFTPLAN_DATA_DIR='my data' "
    given = ServerUrls("postgresql://x", "redis://x", embedded=False)
    assert same_servers(Settings(), given) == "with the same DATABASE_URL and REDIS_URL: "
