"""Every message the code or templates can show has a Simplified Chinese translation."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from hub import i18n

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_is_translated_to_chinese(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-o",
            str(pot),
            "hub",
            "referrals",
            "meetings",
            "rtc",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        wanted = {(m.id, m.context) for m in read_po(fh) if m.id}
    with (ROOT / "hub/locale/zh_CN/LC_MESSAGES/messages.po").open("rb") as fh:
        have = {(m.id, m.context): m.string for m in read_po(fh) if m.id}
    untranslated = sorted(m for m in wanted if not have.get(m))
    assert not untranslated, f"run `make messages` and translate: {untranslated}"


def test_chinese_is_the_default_and_english_is_the_message_id() -> None:
    assert i18n.gettext("Log in", "zh_CN") == "登录"
    assert i18n.gettext("Log in", "en") == "Log in"


def test_accept_language_picks_the_first_supported_language() -> None:
    assert i18n.from_accept_language("fr-FR, en-US;q=0.8, zh;q=0.9") == "zh_CN"
    assert i18n.from_accept_language("de, en;q=0.5") == "en"
    assert i18n.from_accept_language("de") is None


def test_one_english_word_in_two_contexts_has_two_chinese_words() -> None:
    assert i18n.gettext("Accepted", "zh_CN") == "已受理"  # a referral
    assert i18n.pgettext("meeting reply", "Accepted", "zh_CN") == "已接受"
    assert i18n.pgettext("meeting reply", "Accepted", "en") == "Accepted"
    assert i18n.pgettext("duration", "Minutes", "zh_CN") != i18n.gettext("Minutes", "zh_CN")


def test_labels_and_templates_translate_in_context() -> None:
    import jinja2

    from hub.labels import label
    from hub.templating import make_environment

    assert label("accepted", "zh_CN") == "已受理"
    assert label("rsvp.accepted", "zh_CN") == "已接受"
    assert label("rsvp.declined", "en") == "Declined"
    env: jinja2.Environment = make_environment([], ROOT / "static")
    token = i18n.current_locale.set("zh_CN")
    try:
        html = env.from_string('{{ pgettext("duration", "Minutes") }}|{{ _("Minutes") }}').render()
    finally:
        i18n.current_locale.reset(token)
    assert html == "时长（分钟）|会议纪要"


def test_codes_stored_in_message_parameters_are_read_by_their_names() -> None:
    from hub.labels import labelled

    stored = {"number": "PS01-2026-0003", "flags": "group_dispute, violence_risk", "reason": "as typed"}
    assert labelled(stored, "zh_CN") == {
        "number": "PS01-2026-0003",
        "flags": "群体性纠纷、有暴力风险",
        "reason": "as typed",
    }
    assert labelled(stored, "en")["flags"] == "Group dispute, Risk of violence"
