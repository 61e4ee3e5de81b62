"""The outbound settings: SMS is off until a gateway is named, the token may come from a file, and
a bad value stops the start naming its variable."""

from pathlib import Path

import pytest

from hub.config import Config, ConfigError


def test_sms_is_off_until_a_gateway_is_named(tmp_path: Path) -> None:
    config = Config.from_env({}, base_dir=tmp_path)
    assert not config.sms_enabled and config.sms_per_number_per_hour == 5
    assert (config.outbound_max_attempts, config.outbound_retry_seconds) == (10, 30)
    assert (config.outbound_timeout_seconds, config.outbound_poll_seconds) == (10, 5)


def test_it_reads_the_gateway_and_keeps_the_token_out_of_its_repr(tmp_path: Path) -> None:
    token = tmp_path / "sms_token"
    token.write_text("gateway-secret\n")
    env = {
        "GONGTIAO_SMS_URL": "https://sms.qingchuan.example/v1/send",
        "GONGTIAO_SMS_TOKEN_FILE": str(token),
        "GONGTIAO_SMS_SENDER": "青川公调",
        "GONGTIAO_SMS_PER_NUMBER_PER_HOUR": "3",
    }
    config = Config.from_env(env, base_dir=tmp_path)
    assert config.sms_enabled and config.sms_token == "gateway-secret" and config.sms_sender == "青川公调"
    assert config.sms_per_number_per_hour == 3 and "gateway-secret" not in repr(config)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"GONGTIAO_SMS_URL": "https://sms.example/send"}, "GONGTIAO_SMS_TOKEN"),
        ({"GONGTIAO_SMS_URL": "ftp://sms.example/", "GONGTIAO_SMS_TOKEN": "t"}, "GONGTIAO_SMS_URL"),
        ({"GONGTIAO_SMS_URL": "https://u:p@sms.example/", "GONGTIAO_SMS_TOKEN": "t"}, "GONGTIAO_SMS_URL"),
        ({"GONGTIAO_SMS_SENDER": "x" * 21}, "GONGTIAO_SMS_SENDER"),
        ({"GONGTIAO_SMS_PER_NUMBER_PER_HOUR": "0"}, "GONGTIAO_SMS_PER_NUMBER_PER_HOUR"),
        ({"GONGTIAO_OUTBOUND_MAX_ATTEMPTS": "many"}, "GONGTIAO_OUTBOUND_MAX_ATTEMPTS"),
        ({"GONGTIAO_OUTBOUND_RETRY_SECONDS": "0"}, "GONGTIAO_OUTBOUND_RETRY_SECONDS"),
        ({"GONGTIAO_OUTBOUND_TIMEOUT_SECONDS": "600"}, "GONGTIAO_OUTBOUND_TIMEOUT_SECONDS"),
        ({"GONGTIAO_OUTBOUND_POLL_SECONDS": "-1"}, "GONGTIAO_OUTBOUND_POLL_SECONDS"),
    ],
)
def test_a_bad_outbound_setting_names_its_variable(tmp_path: Path, env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        Config.from_env(env, base_dir=tmp_path)
