"""Every stable error code is declared once, by one class, in an ``errors.py``."""

import importlib
import pkgutil
from collections import defaultdict

import hub
import meetings
import referrals
import rtc
from hub.errors import HubError

PACKAGES = (hub, referrals, meetings, rtc)


def every_error_class() -> set[type[HubError]]:
    for package in PACKAGES:
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in info.name and not info.name.endswith("__main__"):
                importlib.import_module(info.name)
    found: set[type[HubError]] = set()
    todo = [HubError]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_each_code_has_one_class_and_lives_in_an_errors_module() -> None:
    classes = every_error_class()
    by_code: dict[str, list[str]] = defaultdict(list)
    for cls in classes:
        if cls.__module__.startswith("tests."):
            continue
        assert cls.__module__.split(".")[-1] == "errors", (
            f"{cls.__module__}.{cls.__name__} is not in an errors.py"
        )
        by_code[cls.code].append(f"{cls.__module__}.{cls.__name__}")
    shared = {code: names for code, names in by_code.items() if len(names) > 1}
    assert not shared, f"one class per code: {shared}"
