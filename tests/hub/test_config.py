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


def test_e_mail_is_off_until_a_host_is_set(tmp_path: Path) -> None:
    config = Config.from_env({}, base_dir=tmp_path)
    assert not config.mail_enabled and config.smtp_host == ""
    assert (config.smtp_port, config.smtp_starttls, config.smtp_timeout_seconds) == (587, True, 30)


def test_it_reads_the_smtp_settings_and_keeps_the_password_out_of_its_repr(tmp_path: Path) -> None:
    password = tmp_path / "smtp_password"
    password.write_text("mail-secret\n")
    env = {
        "GONGTIAO_SMTP_HOST": "smtp.qingchuan.example",
        "GONGTIAO_SMTP_PORT": "465",
        "GONGTIAO_SMTP_USER": "hub",
        "GONGTIAO_SMTP_PASSWORD_FILE": str(password),
        "GONGTIAO_SMTP_FROM": "青川区公调对接平台 <noreply@qingchuan.example>",
        "GONGTIAO_SMTP_STARTTLS": "false",
        "GONGTIAO_SMTP_TIMEOUT_SECONDS": "5",
    }
    config = Config.from_env(env, base_dir=tmp_path)
    assert config.mail_enabled
    assert (config.smtp_host, config.smtp_port, config.smtp_user) == ("smtp.qingchuan.example", 465, "hub")
    assert config.smtp_password == "mail-secret" and "mail-secret" not in repr(config)
    assert config.smtp_from == "青川区公调对接平台 <noreply@qingchuan.example>"
    assert (config.smtp_starttls, config.smtp_timeout_seconds) == (False, 5)


@pytest.mark.parametrize(
    "sender",
    [
        "noreply",
        "noreply@localhost",
        "a@qc.example.cn, b@qc.example.cn",
        "平台 <noreply@qc.example.cn",
        "noreply@qc.example.cn\r\nBcc: everyone@qc.example.cn",
    ],
)
def test_a_sender_that_is_not_one_address_is_refused(tmp_path: Path, sender: str) -> None:
    env = {"GONGTIAO_SMTP_HOST": "smtp.qc.example.cn", "GONGTIAO_SMTP_FROM": sender}
    with pytest.raises(ConfigError, match="GONGTIAO_SMTP_FROM must be an address"):
        Config.from_env(env, base_dir=tmp_path)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GONGTIAO_SMTP_HOST": "smtp.qc.example.cn"}, "GONGTIAO_SMTP_FROM is required"),
        ({"GONGTIAO_SMTP_HOST": "smtp://qc.example.cn", "GONGTIAO_SMTP_FROM": "a@qc.cn"}, "SMTP_HOST"),
        ({"GONGTIAO_SMTP_PORT": "0"}, "GONGTIAO_SMTP_PORT"),
        ({"GONGTIAO_SMTP_STARTTLS": "maybe"}, "GONGTIAO_SMTP_STARTTLS"),
        ({"GONGTIAO_SMTP_TIMEOUT_SECONDS": "0"}, "GONGTIAO_SMTP_TIMEOUT_SECONDS"),
        ({"GONGTIAO_SMTP_USER": "hub"}, "GONGTIAO_SMTP_PASSWORD"),
        ({"GONGTIAO_SMTP_PASSWORD": "secret"}, "GONGTIAO_SMTP_USER"),
        ({"GONGTIAO_ICE_URLS": "http://turn.qc.example.cn"}, "GONGTIAO_ICE_URLS"),
        ({"GONGTIAO_ICE_URLS": "stun:"}, "GONGTIAO_ICE_URLS"),
        ({"GONGTIAO_TURN_TTL_SECONDS": "10"}, "GONGTIAO_TURN_TTL_SECONDS"),
        ({"GONGTIAO_RECORD_VIDEO": "sometimes"}, "GONGTIAO_RECORD_VIDEO"),
        ({"GONGTIAO_INVITATION_HOURS": "0"}, "GONGTIAO_INVITATION_HOURS"),
        ({"GONGTIAO_INVITATION_HOURS": "721"}, "GONGTIAO_INVITATION_HOURS"),
        ({"GONGTIAO_TRANSCRIBE_ENGINE": "sphinx"}, "GONGTIAO_TRANSCRIBE_ENGINE"),
        ({"GONGTIAO_TRANSCRIBE_MODEL": "/nonexistent/model"}, "GONGTIAO_TRANSCRIBE_MODEL"),
        ({"GONGTIAO_RTC_MAX_PARTICIPANTS": "1"}, "GONGTIAO_RTC_MAX_PARTICIPANTS"),
        ({"GONGTIAO_RTC_MAX_PARTICIPANTS": "9"}, "GONGTIAO_RTC_MAX_PARTICIPANTS"),
        ({"GONGTIAO_TURN_SECRET": "x", "GONGTIAO_TURN_SECRET_FILE": "/etc/hostname"}, "TURN_SECRET"),
    ],
)
def test_a_bad_mail_or_video_setting_stops_the_start(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env, base_dir=tmp_path)


def test_video_settings_have_working_defaults(tmp_path: Path) -> None:
    config = Config.from_env({}, base_dir=tmp_path)
    assert config.ice_urls == () and config.turn_secret == ""
    assert (config.turn_ttl_seconds, config.record_video, config.invitation_hours) == (43200, False, 72)
    assert (config.transcribe_engine, config.transcribe_model, config.rtc_max_participants) == (
        "none",
        None,
        5,
    )


def test_it_reads_the_video_settings(tmp_path: Path) -> None:
    model = tmp_path / "zh-cn"
    model.mkdir()
    env = {
        "GONGTIAO_ICE_URLS": " stun:turn.qc.example.cn:3478 ,turn:turn.qc.example.cn:3478?transport=udp,"
        "turns:turn.qc.example.cn:5349",
        "GONGTIAO_TURN_SECRET": "coturn-static-auth-secret",
        "GONGTIAO_TURN_TTL_SECONDS": "3600",
        "GONGTIAO_RECORD_VIDEO": "yes",
        "GONGTIAO_INVITATION_HOURS": "24",
        "GONGTIAO_TRANSCRIBE_ENGINE": "pocketsphinx",
        "GONGTIAO_TRANSCRIBE_MODEL": str(model),
        "GONGTIAO_RTC_MAX_PARTICIPANTS": "8",
    }
    config = Config.from_env(env, base_dir=tmp_path)
    assert config.ice_urls == (
        "stun:turn.qc.example.cn:3478",
        "turn:turn.qc.example.cn:3478?transport=udp",
        "turns:turn.qc.example.cn:5349",
    )
    assert config.turn_secret == "coturn-static-auth-secret" and "coturn" not in repr(config)
    assert (config.turn_ttl_seconds, config.record_video, config.invitation_hours) == (3600, True, 24)
    assert (config.transcribe_engine, config.transcribe_model) == ("pocketsphinx", model.resolve())
    assert config.rtc_max_participants == 8


@pytest.mark.parametrize("url", ["turn:turn.qc.example.cn:3478", "turns:turn.qc.example.cn:5349"])
def test_a_turn_server_without_its_shared_secret_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="GONGTIAO_TURN_SECRET is not set"):
        Config.from_env({"GONGTIAO_ICE_URLS": f"stun:stun.qc.example.cn,{url}"}, base_dir=tmp_path)


def test_stun_alone_needs_no_secret(tmp_path: Path) -> None:
    config = Config.from_env({"GONGTIAO_ICE_URLS": "stun:stun.qc.example.cn:3478"}, base_dir=tmp_path)
    assert config.ice_urls == ("stun:stun.qc.example.cn:3478",)
