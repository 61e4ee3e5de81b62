import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import Forbidden, OutOfScope
from hub.permissions import POLICY, Guard, Permission, Principal, descendants, scope_for

# bureau(1) -> station A(2) -> room(4);  bureau(1) -> station B(3)
TREE = {1: None, 2: 1, 3: 1, 4: 2}


def person(agency_id: int, *roles: str, superuser: bool = False) -> Principal:
    return Principal(
        user_id=9,
        username="u",
        display_name="U",
        agency_id=agency_id,
        agency_name="A",
        agency_kind="police_station",
        roles=frozenset(roles),
        is_superuser=superuser,
    )


def test_every_permission_has_a_policy() -> None:
    assert set(Permission) <= set(POLICY)


def test_a_liaison_acts_only_within_their_own_agency() -> None:
    guard = Guard(person(2, "liaison"), TREE)
    guard.check_agency(2)
    for other in (1, 3, 4, None):
        with pytest.raises(OutOfScope):
            guard.check_agency(other)


def test_an_admin_reaches_the_agencies_below_but_not_beside() -> None:
    guard = Guard(person(2, "admin"), TREE)
    guard.check_agency(4)
    with pytest.raises(OutOfScope):
        guard.check_agency(3)


def test_a_liaison_may_not_manage_users() -> None:
    with pytest.raises(Forbidden):
        Guard(person(2, "liaison"), TREE).require(Permission.manage_users)


def test_the_platform_operator_reaches_everything() -> None:
    guard = Guard(person(2, superuser=True), TREE)
    guard.require(Permission.manage_tokens)
    assert scope_for(person(2, superuser=True), TREE).agency_ids is None


@given(st.dictionaries(st.integers(1, 40), st.one_of(st.none(), st.integers(1, 40)), min_size=1))
def test_descendants_contain_the_root_and_only_known_children(tree: dict[int, int | None]) -> None:
    root = next(iter(tree))
    found = descendants(tree, root)
    assert root in found
    for agency in found - {root}:
        assert tree[agency] in found  # reached through its parent
