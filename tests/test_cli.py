"""The `gongtiao` command as `make run` uses it, on a brand-new data directory."""

import json
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from hub.config import Config
from tests.support.env import clean_env
from tests.support.server import start_serve

pytestmark = pytest.mark.slow


def gongtiao(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = clean_env(GONGTIAO_DATA_DIR=str(data_dir), GONGTIAO_SECRET_KEY="cli-test-secret-0123456789")
    result = subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


async def test_upgrade_demo_and_serve_on_a_fresh_directory(tmp_path: Path) -> None:
    data = tmp_path / "var"
    gongtiao(data, "db", "upgrade")
    first = gongtiao(data, "demo")
    assert "liaison_ps01" in first.stdout and "gongtiao-demo" in first.stdout
    again = gongtiao(data, "demo")  # loads once: the second run only prints the logins
    assert "liaison_ps01" in again.stdout

    people = json.loads(gongtiao(data, "user", "list", "--json").stdout)
    assert len(people) == len({p["username"] for p in people})
    # The 48 of the stationed rooms, and one at each other kind of receiving body the demo staffs.
    stationed = [p for p in people if "mediator" in p["roles"] and p["username"].startswith("mediator")]
    assert len(stationed) == 48
    assert sum("mediator" in p["roles"] for p in people) == 48 + 6 + 2 + 3

    password = tmp_path / "pw"
    password.write_text("a-strong-password\n")
    gongtiao(
        data,
        "user",
        "add",
        "zhang_wei",
        "--name",
        "张伟",
        "--agency",
        "PS03",
        "--role",
        "liaison",
        "--password-file",
        str(password),
    )
    duplicate = gongtiao(
        data,
        "user",
        "add",
        "zhang_wei",
        "--name",
        "张伟",
        "--agency",
        "PS03",
        "--role",
        "liaison",
        check=False,
    )
    assert duplicate.returncode == 1 and "taken" in duplicate.stderr
    unknown = gongtiao(
        data, "user", "add", "li_si", "--name", "李四", "--agency", "NOPE", "--role", "liaison", check=False
    )
    assert unknown.returncode == 1 and "NOPE" in unknown.stderr
    token = gongtiao(data, "token", "create", "zhang_wei").stdout.strip()
    assert token.startswith("gt_")

    config = Config.from_env(
        {"GONGTIAO_DATA_DIR": str(data), "GONGTIAO_SECRET_KEY": "cli-test-secret-0123456789"}
    )
    server = await start_serve(config, str(tmp_path / "serve.log"))
    try:
        async with aiohttp.ClientSession() as session:
            health = await (await session.get(server.url + "/healthz")).json()
            assert health == {"status": "ok", "database": "sqlite"}
            me = await session.get(server.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert (await me.json())["display_name"] == "张伟"
            # The demo's upcoming video session: fresh links for its guests, usable at once.
            printed = gongtiao(data, "mediation", "invite", "1", "--base-url", server.url).stdout
            links = [w for line in printed.splitlines() for w in line.split() if "/join/" in w]
            assert len(links) >= 2, printed
            page = await session.get(links[0])
            assert page.status == 200 and 'data-testid="join"' in await page.text()
            again = gongtiao(data, "mediation", "invite", "1", "--base-url", server.url).stdout
            assert (await session.get(links[0])).status == 404  # a fresh link replaces the old one
            assert links[0] not in again
    finally:
        assert server.stop() == 0
    assert "intact" in gongtiao(data, "audit", "verify").stdout
    assert gongtiao(data, "mediation", "invite", "999", check=False).returncode == 1


def test_a_bad_setting_stops_the_program_with_a_clear_message(tmp_path: Path) -> None:
    env = clean_env(GONGTIAO_PORT="not-a-port", GONGTIAO_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "hub", "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "GONGTIAO_PORT" in result.stderr and "配置错误" in result.stderr
