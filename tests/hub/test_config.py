from pathlib import Path

import pytest

from hub.config import Config, ConfigError


def test_it_defaults_to_sqlite_under_var(tmp_path: Path) -> None:
    config = Config.from_env({}, base_dir=tmp_path)
    assert config.database_url == f"sqlite+aiosqlite:///{tmp_path / 'var' / 'gongtiao.db'}"
    assert config.port == 8080 and config.host == "127.0.0.1"
    assert config.default_locale == "zh_CN"
    assert config.secret_key_is_ephemeral


def test_it_reads_secrets_from_files(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("a-long-enough-secret-value\n")
    config = Config.from_env({"GONGTIAO_SECRET_KEY_FILE": str(secret)}, base_dir=tmp_path)
    assert config.secret_key == "a-long-enough-secret-value"
    assert not config.secret_key_is_ephemeral


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"GONGTIAO_PORT": "eighty"}, "GONGTIAO_PORT"),
        ({"GONGTIAO_PORT": "70000"}, "GONGTIAO_PORT"),
        ({"GONGTIAO_DATABASE_URL": "mysql://x"}, "GONGTIAO_DATABASE_URL"),
        ({"GONGTIAO_SECRET_KEY": "short"}, "GONGTIAO_SECRET_KEY"),
        ({"GONGTIAO_TIME_ZONE": "Mars/Olympus"}, "GONGTIAO_TIME_ZONE"),
        ({"GONGTIAO_DEFAULT_LOCALE": "fr"}, "GONGTIAO_DEFAULT_LOCALE"),
        ({"GONGTIAO_SECRET_KEY_FILE": "/nonexistent/key"}, "GONGTIAO_SECRET_KEY_FILE"),
        (
            {"GONGTIAO_SECRET_KEY": "x" * 20, "GONGTIAO_SECRET_KEY_FILE": "/etc/hostname"},
            "GONGTIAO_SECRET_KEY",
        ),
    ],
)
def test_it_names_the_variable_of_a_bad_value(tmp_path: Path, env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        Config.from_env(env, base_dir=tmp_path)


def test_https_public_url_makes_cookies_secure(tmp_path: Path) -> None:
    config = Config.from_env({"GONGTIAO_PUBLIC_URL": "https://hub.example.org/"}, base_dir=tmp_path)
    assert config.secure_cookies and config.public_url == "https://hub.example.org"
