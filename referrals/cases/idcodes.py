"""Check digits of the two numbers a mediation paper identifies its parties by, pure.

- 公民身份号码 (citizen identity number, GB 11643-1999): 17 digits and a check character, ISO 7064
  MOD 11-2 (``0``–``9`` or ``X``); digits 7–14 are the date of birth.
- 统一社会信用代码 (unified social credit code of a company or other organisation, GB 32100-2015):
  18 characters from 31 (digits and capitals without I, O, Z, S, V), the last a MOD 31 check; the
  9th to 17th form the organisation code (GB 11714) with its own MOD 11 check in the 17th.

Each check returns a problem code (None when the number is good), so the caller words the error in
the reader's language: ``length``, ``characters``, ``birth_date``, ``check_digit``.
"""

from __future__ import annotations

from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def normalise(number: str) -> str:
    """What people type, as the standard writes it: no spaces or dashes, capitals (x -> X)."""
    return "".join(number.split()).replace("-", "").upper()


def identity_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def identity_problem(number: str, today: date | None = None) -> str | None:
    """Why ``number`` is not a valid 18-character citizen identity number, or None."""
    number = normalise(number)
    if len(number) != 18:
        return "length"
    if not number[:17].isascii() or not number[:17].isdigit() or number[17] not in "0123456789X":
        return "characters"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "birth_date"
    if born.year < 1880 or (today is not None and born > today):
        return "birth_date"
    if identity_check_digit(number[:17]) != number[17]:
        return "check_digit"
    return None


def birth_date_of(number: str) -> date | None:
    """The date of birth written in a valid identity number."""
    number = normalise(number)
    if identity_problem(number) is not None:
        return None
    return read_identity(number)[1]


def sex_of(number: str) -> str | None:
    """``male`` or ``female`` by the 17th digit (odd: male) of a valid identity number."""
    number = normalise(number)
    if identity_problem(number) is not None:
        return None
    return read_identity(number)[0]


def read_identity(number: str) -> tuple[str, date]:
    """The sex and the date of birth written in a normalised number that ``identity_problem``
    found good (checked once, where both are wanted)."""
    sex = "male" if int(number[16]) % 2 else "female"
    return sex, date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def organisation_check_digit(first8: str) -> str:
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def credit_check_character(first17: str) -> str:
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or None."""
    code = normalise(code)
    if len(code) != 18:
        return "length"
    if any(c not in CREDIT_CHARSET for c in code) or not code[2:8].isdigit():
        return "characters"
    organisation = code[8:17]
    if organisation_check_digit(organisation[:8]) != organisation[8]:
        return "check_digit"
    if credit_check_character(code[:17]) != code[17]:
        return "check_digit"
    return None
