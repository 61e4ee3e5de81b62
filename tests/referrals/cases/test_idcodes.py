"""Check digits of identity numbers (GB 11643) and unified social credit codes (GB 32100): valid
numbers pass, a mistyped character, a wrong length or an impossible birth date is named."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referrals.cases.idcodes import (
    CREDIT_CHARSET,
    birth_date_of,
    credit_check_character,
    credit_code_problem,
    identity_check_digit,
    identity_problem,
    organisation_check_digit,
    sex_of,
)

# Codes of well-known companies, as printed on their public business licences.
VALID_CREDIT_CODES = ["9144030071526726XG", "91330100799655058B", "91110000600037341L", "91350100M000100Y43"]


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014", " 1101 0519 4912 31002x "])
def test_valid_identity_numbers_pass(number: str) -> None:
    assert identity_problem(number, today=date(2026, 12, 7)) is None


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("110105194912310021", "check_digit"),  # the last character mistyped
        ("11010519491231102X", "check_digit"),  # one digit in the middle mistyped
        ("11010519491231002", "length"),
        ("11010519491231002X1", "length"),
        ("1101051949123100AX", "characters"),
        ("110105194913310025", "birth_date"),  # month 13
        ("110105209912310023", "birth_date"),  # born in 2099
    ],
)
def test_a_mistyped_identity_number_is_named(number: str, problem: str) -> None:
    assert identity_problem(number, today=date(2026, 12, 7)) == problem


def test_an_identity_number_tells_the_birth_date_and_sex() -> None:
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)
    assert sex_of("11010519491231002X") == "female"  # 17th digit 2: even
    assert sex_of("440524188001010014") == "male"
    assert birth_date_of("110105194912310021") is None


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_valid_credit_codes_pass(code: str) -> None:
    assert credit_code_problem(code) is None
    assert credit_code_problem(code.lower()) is None  # typed in small letters


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("9144030071526726XH", "check_digit"),  # the last character mistyped
        ("9144030071526727XG", "check_digit"),  # the organisation code's own check broken
        ("9144030071526726X", "length"),
        ("9144030071526726XGG", "length"),
        ("9144030071526726IG", "characters"),  # I is not in the code's alphabet
        ("91440300715267260O", "characters"),
    ],
)
def test_a_mistyped_credit_code_is_named(code: str, problem: str) -> None:
    assert credit_code_problem(code) == problem


@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.integers(0, 16), st.integers(1, 9))
def test_any_single_mistyped_digit_of_an_id_number_is_caught(first17: str, where: int, shift: int) -> None:
    good = first17 + identity_check_digit(first17)
    digits = list(good)
    digits[where] = str((int(digits[where]) + shift) % 10)
    assert identity_check_digit("".join(digits[:17])) != digits[17]


@given(st.text(alphabet=CREDIT_CHARSET, min_size=8, max_size=8), st.integers(0, 7), st.integers(1, 30))
def test_any_single_mistyped_character_of_a_credit_code_is_caught(org8: str, where: int, shift: int) -> None:
    first17 = "9111" + "0000" + org8 + organisation_check_digit(org8)
    first17 = first17[:17]
    good = first17 + credit_check_character(first17)
    chars = list(good)
    position = 8 + where
    chars[position] = CREDIT_CHARSET[(CREDIT_CHARSET.index(chars[position]) + shift) % 31]
    assert credit_code_problem("".join(chars)) == "check_digit"
