"""The examples in the docstrings of registry, risk, ledger, layers, facilities and the app's
page helpers run and give the shown results (routes and synthdata have their own doctest
tests). A new module is picked up by
itself: every importable module of these packages is collected."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("registry", "risk", "ledger", "layers", "facilities")


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        pkg = importlib.import_module(package)
        names.append(package)
        names += [f"{package}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)
                  if m.name != "__main__"]
    # the app's shared page helpers (``app_pages/_*.py``; the pages themselves are scripts)
    app_pages = importlib.import_module("app_pages")
    names += [f"app_pages.{m.name}" for m in pkgutil.iter_modules(app_pages.__path__)
              if m.name.startswith("_")]
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(
        importlib.import_module(name),
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
