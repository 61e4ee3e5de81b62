"""Walking up the agency tree: who oversees an agency."""

import pytest

from hub.directory import above, with_above


@pytest.mark.parametrize(
    ("agencies", "expected"),
    [
        ({4}, {2, 1}),  # a station under a sub-bureau under the district
        ({2}, {1}),
        ({1}, set()),
        ({4, 5}, {1, 2, 3}),
        ({9}, set()),  # unknown: nothing above it
    ],
)
def test_the_agencies_above_are_found_up_the_tree(agencies: set[int], expected: set[int]) -> None:
    tree = {1: None, 2: 1, 3: 1, 4: 2, 5: 3}
    assert above(tree, agencies) == expected
    assert with_above(tree, agencies) == expected | agencies
