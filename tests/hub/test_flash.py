"""One-time messages after an action ride in a cookie the hub signs: one it did not sign (or that
was altered) shows nothing."""

from hub import flash

KEY = "k" * 32


def test_a_signed_cookie_gives_its_messages_back() -> None:
    value = flash.encode(KEY, ["已移送至青川区派出所派驻人民调解工作室。", "Saved."])
    assert flash.decode(KEY, value) == ["已移送至青川区派出所派驻人民调解工作室。", "Saved."]


def test_a_forged_or_altered_cookie_shows_nothing() -> None:
    value = flash.encode(KEY, ["Saved."])
    body, mac = value.split(".")
    planted = flash.encode("another key that is long enough", ["请拨打 400-xxx 领取补偿"])
    assert flash.decode(KEY, planted) == []
    assert flash.decode(KEY, body + "x." + mac) == []
    assert flash.decode(KEY, "not a cookie") == []
    assert flash.decode(KEY, flash.encode(KEY, [])) == []
