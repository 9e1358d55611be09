"""The brokers' kombu subclasses override private kombu methods (``errorhub.brokers``).

Private methods change without notice between kombu releases. Each subclass lists the
ones it overrides (``KOMBU_PRIVATE_OVERRIDES``) and the kombu versions it was checked
against (``KOMBU_CHECKED``); these tests fail when the installed kombu is another
version, when a listed method is gone from kombu or no longer accepts the calls kombu's
own signature allows, and when the list misses an override.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version
from types import ModuleType

import pytest

from errorhub.brokers import filesystem, redis

Parameter = inspect.Parameter
POSITIONAL = (Parameter.POSITIONAL_ONLY, Parameter.POSITIONAL_OR_KEYWORD)


def _kombu_subclasses(module: ModuleType) -> list[type]:
    return [
        cls
        for cls in vars(module).values()
        if isinstance(cls, type) and cls.__module__ == module.__name__ and _kombu_base(cls) is not None
    ]


def _kombu_base(cls: type) -> type | None:
    """The nearest class in ``cls``'s MRO that kombu defines."""
    return next((base for base in cls.__mro__[1:] if base.__module__.startswith("kombu.")), None)


SUBCLASSES = [cls for module in (filesystem, redis) for cls in _kombu_subclasses(module)]
IDS = [f"{cls.__module__}.{cls.__qualname__}" for cls in SUBCLASSES]


def _accepts_every_call_of(base: inspect.Signature, override: inspect.Signature) -> list[str]:
    """What a call valid for ``base`` could pass that ``override`` cannot take (empty: compatible).

    Positional parameters must stay at their place (and keep their name, when they can be
    passed by keyword) unless the override takes ``*args``/``**kwargs``; keyword-only ones
    must keep their name; and the override may require nothing the base does not."""
    params = list(override.parameters.values())
    var_positional = any(p.kind is Parameter.VAR_POSITIONAL for p in params)
    var_keyword = any(p.kind is Parameter.VAR_KEYWORD for p in params)
    positional = [p for p in params if p.kind in POSITIONAL]
    by_name = {p.name: p for p in params if p.kind in (Parameter.POSITIONAL_OR_KEYWORD, Parameter.KEYWORD_ONLY)}
    problems = []
    base_params = list(base.parameters.values())
    for index, param in enumerate(p for p in base_params if p.kind in POSITIONAL):
        if index >= len(positional) and not var_positional:
            problems.append(f"positional '{param.name}' has no place")
        elif param.kind is Parameter.POSITIONAL_OR_KEYWORD and param.name not in by_name and not var_keyword:
            problems.append(f"'{param.name}' cannot be passed by keyword")
    for param in base_params:
        if param.kind is Parameter.KEYWORD_ONLY and param.name not in by_name and not var_keyword:
            problems.append(f"keyword '{param.name}' is not accepted")
        if param.kind is Parameter.VAR_POSITIONAL and not var_positional:
            problems.append("*args is not accepted")
        if param.kind is Parameter.VAR_KEYWORD and not var_keyword:
            problems.append("**kwargs is not accepted")
    base_names = {p.name for p in base_params}
    base_positional = sum(1 for p in base_params if p.kind in POSITIONAL)
    for index, param in enumerate(params):
        filled = (param.kind in POSITIONAL and index < base_positional) or param.name in base_names
        if param.default is Parameter.empty and param.kind in (*POSITIONAL, Parameter.KEYWORD_ONLY) and not filled:
            problems.append(f"'{param.name}' is required but not a parameter of kombu's method")
    return problems


def test_both_brokers_are_checked() -> None:
    assert {cls.__name__ for cls in SUBCLASSES} >= {"QoS", "Channel", "Transport"}
    assert {cls.__module__ for cls in SUBCLASSES} == {filesystem.__name__, redis.__name__}


@pytest.mark.parametrize("cls", SUBCLASSES, ids=IDS)
def test_the_installed_kombu_is_a_checked_version(cls: type) -> None:
    installed = version("kombu")
    assert installed in cls.KOMBU_CHECKED, (
        f"kombu {installed} is installed; {cls.__qualname__} was checked against {cls.KOMBU_CHECKED}: "
        f"re-read {cls.KOMBU_PRIVATE_OVERRIDES} in kombu {installed}'s source, then add the version"
    )


@pytest.mark.parametrize("cls", SUBCLASSES, ids=IDS)
def test_every_listed_method_still_exists_with_a_compatible_signature(cls: type) -> None:
    base = _kombu_base(cls)
    for name in cls.KOMBU_PRIVATE_OVERRIDES:
        assert name in vars(cls), f"{cls.__qualname__} lists {name} but does not define it"
        assert hasattr(base, name), f"kombu's {base.__qualname__} no longer has {name}"
        problems = _accepts_every_call_of(inspect.signature(getattr(base, name)), inspect.signature(vars(cls)[name]))
        assert problems == [], f"{cls.__qualname__}.{name} vs kombu's: {problems}"


@pytest.mark.parametrize("cls", SUBCLASSES, ids=IDS)
def test_the_list_names_every_private_kombu_override(cls: type) -> None:
    base = _kombu_base(cls)
    overridden = {
        name for name in vars(cls) if name.startswith("_") and not name.startswith("__") and hasattr(base, name)
    }
    assert overridden == set(cls.KOMBU_PRIVATE_OVERRIDES)


def test_an_incompatible_override_is_caught() -> None:
    """The signature check itself: a renamed, a dropped and an added required parameter."""

    def kombu(self, queue, message, **kwargs): ...
    def renamed(self, queue, payload, **kwargs): ...
    def dropped(self, queue): ...
    def added(self, queue, message, timeout, **kwargs): ...
    def widened(self, queue, *args, **kwargs): ...

    base = inspect.signature(kombu)
    assert _accepts_every_call_of(base, inspect.signature(renamed)) == []  # **kwargs takes message=
    assert _accepts_every_call_of(base, inspect.signature(dropped)) == [
        "positional 'message' has no place",
        "**kwargs is not accepted",
    ]
    assert _accepts_every_call_of(base, inspect.signature(added)) == [
        "'timeout' is required but not a parameter of kombu's method"
    ]
    assert _accepts_every_call_of(base, inspect.signature(widened)) == []
