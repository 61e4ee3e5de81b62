"""A party's fields on a form, read without a server: an organisation's row keeps only what an
organisation has, an agent is taken in only when named, and problems land at their field."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from referrals.cases import forms, party_forms

SHANGHAI = ZoneInfo("Asia/Shanghai")


def raw(**fields: list[str]) -> dict[str, list[str]]:
    return dict(fields)


def test_an_organisations_row_drops_what_was_typed_in_the_persons_fields() -> None:
    [row] = party_forms.rows(
        raw(
            party_role=["respondent"],
            party_kind=["organisation"],
            party_name=["青川某装饰有限公司"],
            party_id_number=["91330106MA27XXXX0X"],
            party_ethnicity=["汉族"],
            party_representative_role=["legal_representative"],
            party_representative_name=["张伟"],
            party_representative_title=["总经理"],
        )
    )
    assert party_forms.body(row) == {
        "role": "respondent",
        "kind": "organisation",
        "name": "青川某装饰有限公司",
        "id_number": "91330106MA27XXXX0X",
        "representative_role": "legal_representative",
        "representative_name": "张伟",
        "representative_title": "总经理",
    }


def test_a_persons_row_drops_a_representative_and_takes_its_agent() -> None:
    [row] = party_forms.rows(
        raw(
            party_role=["applicant"],
            party_kind=["person"],
            party_name=["王芳"],
            party_representative_name=["张伟"],
            party_agent_name=["李律师"],
            party_agent_law_firm=["青川律师事务所"],
            party_agent_authority=["special"],
        )
    )
    assert party_forms.body(row)["agents"] == [
        {"name": "李律师", "law_firm": "青川律师事务所", "authority": "special"}
    ]
    assert "representative_name" not in party_forms.body(row)


def test_an_agents_authority_alone_names_no_agent() -> None:
    row = party_forms.blank("applicant", name="王芳")
    assert "agents" not in party_forms.body(row)
    assert not party_forms.is_blank(row) and party_forms.is_blank(party_forms.blank("respondent"))


def test_an_unknown_kind_is_read_as_a_person() -> None:
    assert party_forms.rows(raw(party_kind=["robot"], party_name=["甲"]))[0]["kind"] == "person"


def test_problems_of_a_party_land_at_their_field_in_the_readers_words() -> None:
    assert forms.form_key(("parties", 0, "agents", 0, "name"), [1]) == "parties.1.agent_name"
    assert forms.form_key(("parties", 0, "id_number"), [1]) == "parties.1.id_number"
    assert forms.problem({"type": "id_check_digit", "loc": ("parties", 0, "id_number")}) == (
        "校验码不符：有字符输错了。"
    )
    assert forms.field_name("parties.1.agent_name") == "当事人 2：委托代理人姓名"
