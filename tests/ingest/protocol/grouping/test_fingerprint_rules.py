"""Precedence, fingerprint expansion, versions and the frame normalisation rules."""

from __future__ import annotations

import re
from typing import Any

import pytest

import ingest.protocol.grouping as grouping
from ingest.protocol.grouping import (
    GROUPING_VERSION,
    Grouping,
    compute_grouping,
    compute_hashes,
    frame_component,
    normalize_filename,
    normalize_function,
    normalize_module,
)


def frame(module: str | None = None, function: str | None = None, path: str | None = None, **extra: Any) -> dict:
    data = {"module": module, "function": function, "abs_path": path, "filename": path, **extra}
    return {key: value for key, value in data.items() if value is not None}


def event(
    frames: list[dict] | None = None, *, type_: str = "PaymentError", value: str = "card declined", **extra: Any
) -> dict:
    exception: dict[str, Any] = {"type": type_, "value": value}
    if frames is not None:
        exception["stacktrace"] = {"frames": frames}
    return {"platform": "python", "exception": [exception], **extra}


CHECKOUT = [frame("shop.views", "checkout", "/srv/shop/shop/views.py", lineno=42, in_app=True)]


# --- precedence -----------------------------------------------------------------------


def test_result_shape() -> None:
    result = compute_grouping(event(CHECKOUT))
    assert isinstance(result, Grouping)
    assert GROUPING_VERSION == "2026-11" and result.version == GROUPING_VERSION
    assert re.fullmatch(r"[0-9a-f]{32}", result.hash)
    assert result.components == ("type:PaymentError", "frame:shop.views:checkout")
    assert result.kind == "stacktrace"


def test_precedence_fingerprint_then_stacktrace_then_exception_then_message() -> None:
    full = event(CHECKOUT, message="boom", fingerprint=["custom"])
    assert compute_grouping(full).kind == "fingerprint"
    del full["fingerprint"]
    assert compute_grouping(full).kind == "stacktrace"
    full["exception"][0].pop("stacktrace")
    assert compute_grouping(full).kind == "exception"
    del full["exception"]
    assert compute_grouping(full).kind == "message"


def test_message_template_is_preferred_to_the_formatted_message() -> None:
    result = compute_grouping({"message": "user 42 said hi", "message_template": "user %s said %s"})
    assert result.components == ("message:user %s said %s",)


def test_frames_without_anything_to_contribute_fall_back_to_the_exception() -> None:
    result = compute_grouping(event([{"lineno": 3, "colno": 7}, {"in_app": True}]))
    assert result.kind == "exception"
    assert result.components == ("type:PaymentError", "value:card declined")


def test_empty_event_groups_by_where_it_came_from_not_one_bucket() -> None:
    # issue #19: the empty message was one catch-all bucket per project; it stays so only under 2026-11
    assert compute_grouping({}).kind == "fallback"
    assert compute_grouping({}).components == ("platform:", "source:", "logger:", "transaction:", "level:")
    assert grouping._STRATEGIES[GROUPING_VERSION]({}).components == ("message:",)


def test_raw_sentry_exception_values_shape_is_accepted() -> None:
    raw = {
        "exception": {
            "values": [{"type": "PaymentError", "value": "card declined", "stacktrace": {"frames": CHECKOUT}}]
        }
    }
    assert compute_grouping(raw).hash == compute_grouping(event(CHECKOUT)).hash


def test_exception_type_is_qualified_like_a_log_line_prints_it() -> None:
    sdk = compute_grouping({"exception": [{"type": "IllegalStateException", "module": "java.lang", "value": "x"}]})
    log = compute_grouping({"exception": [{"type": "java.lang.IllegalStateException", "value": "x"}]})
    assert sdk.hash == log.hash
    builtin = compute_grouping({"exception": [{"type": "ValueError", "module": "builtins", "value": "x"}]})
    assert builtin.components[0] == "type:ValueError"


# --- fingerprints -----------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["{{ default }}", "{{default}}", "{{  default }}", " {{ Default }} "])
def test_default_variable_spellings_expand(variable: str) -> None:
    result = compute_grouping(event(CHECKOUT, fingerprint=[variable, "eu"]))
    assert result.kind == "fingerprint"
    assert result.components == ("type:PaymentError", "frame:shop.views:checkout", "eu")


def test_fingerprint_of_only_default_keeps_the_default_hash() -> None:
    plain = compute_grouping(event(CHECKOUT))
    assert compute_grouping(event(CHECKOUT, fingerprint=["{{ default }}"])) == plain


def test_empty_fingerprint_is_ignored_and_non_strings_are_stringified() -> None:
    assert compute_grouping(event(CHECKOUT, fingerprint=[])).kind == "stacktrace"
    assert compute_grouping(event(CHECKOUT, fingerprint=[42, None])).components == ("42", "None")


def test_fingerprint_and_message_with_the_same_text_do_not_collide() -> None:
    assert compute_grouping({"fingerprint": ["message:x"]}).hash != compute_grouping({"message": "x"}).hash


# --- versions ---------------------------------------------------------------------------


def test_compute_hashes_returns_the_current_version_first() -> None:
    hashes = compute_hashes(event(CHECKOUT))
    assert list(hashes) == [GROUPING_VERSION]
    assert hashes[GROUPING_VERSION] == compute_grouping(event(CHECKOUT)).hash


def test_compute_hashes_adds_legacy_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    def legacy(ev: dict) -> Grouping:
        components = (str(ev.get("message")),)
        return Grouping("2025-01", grouping.hash_components("legacy", components), components, "message")

    monkeypatch.setitem(grouping._STRATEGIES, "2025-01", legacy)
    hashes = compute_hashes({"message": "x"}, versions=(GROUPING_VERSION, "2025-01"))
    assert list(hashes) == [GROUPING_VERSION, "2025-01"]
    assert hashes["2025-01"] != hashes[GROUPING_VERSION]


def test_unknown_version_is_a_loud_error() -> None:
    with pytest.raises(ValueError, match="1999-01"):
        compute_hashes({}, versions=("1999-01",))


# --- frames -----------------------------------------------------------------------------


def test_line_and_column_numbers_never_count() -> None:
    moved = [dict(CHECKOUT[0], lineno=97, colno=3, context_line="    checkout(cart)")]
    assert compute_grouping(event(moved)).hash == compute_grouping(event(CHECKOUT)).hash


def test_only_in_app_frames_count_when_there_are_some() -> None:
    library = frame(
        "django.core.handlers.base", "_get_response", "/venv/site-packages/django/core/handlers/base.py", in_app=False
    )
    assert compute_grouping(event([library, *CHECKOUT])).components == compute_grouping(event(CHECKOUT)).components


def test_all_frames_count_when_none_is_in_app() -> None:
    library = frame(
        "django.core.handlers.base", "_get_response", "/venv/site-packages/django/core/handlers/base.py", in_app=False
    )
    assert compute_grouping(event([library])).components[1] == "frame:handlers.base:_get_response"


def test_unset_in_app_is_inferred_from_the_path() -> None:
    frames = [
        frame(None, "run", "/usr/local/lib/python3.11/threading.py"),
        frame(None, "inner", "/app/.venv/lib/python3.11/site-packages/django/core/handlers/exception.py"),
        frame(None, "checkout", "/srv/shop/shop/views.py"),
    ]
    assert compute_grouping(event(frames)).components[1:] == ("frame:shop.views:checkout",)


@pytest.mark.parametrize(
    ("sdk_frame", "log_frame"),
    [
        (frame("app.views", "checkout", "/srv/app/app/views.py"), frame(None, "checkout", "/srv/app/app/views.py")),
        (frame("app.views", "checkout"), frame(None, "checkout", "/home/ci/build/app/views.py")),
        (
            frame("app.views", "checkout", "/srv/app/app/views/__init__.py"),
            frame(None, "checkout", "/opt/app/views/__init__.py"),
        ),
        (frame("__main__", "main", "/srv/tools/cli.py"), frame(None, "main", "/srv/tools/cli.py")),
        (
            frame("app.views", "CheckoutView.post", "/srv/app/app/views.py"),
            frame(None, "post", "/srv/app/app/views.py"),
        ),
        (frame("app.views", "outer.<locals>.<lambda>", "/a/app/views.py"), frame(None, "<lambda>", "/b/app/views.py")),
        (frame("app.views", "checkout", "C:\\srv\\app\\views.py"), frame(None, "checkout", "/srv/app/views.py")),
    ],
)
def test_python_sdk_and_log_frames_agree(sdk_frame: dict, log_frame: dict) -> None:
    assert frame_component(sdk_frame, "python") == frame_component(log_frame, "python")


@pytest.mark.parametrize("name", ["<listcomp>", "<dictcomp>", "<setcomp>"])
def test_python_comprehension_frames_are_dropped(name: str) -> None:
    # Python 3.12 inlines them (PEP 709): a 3.11 and a 3.12 deploy must group together.
    assert frame_component(frame("app.views", name, "/srv/app/views.py")) is None


def test_frame_with_nothing_is_skipped_but_a_bare_function_counts() -> None:
    assert frame_component({"lineno": 10}) is None
    assert frame_component({"function": "?"}) is None
    assert frame_component({"function": "memcpy"}) == "frame::memcpy"


@pytest.mark.parametrize("name", ["Object.<anonymous>", "Object.?", "?", "<anonymous>", ""])
def test_js_sdk_and_node_log_anonymous_frames_agree(name: str) -> None:
    # The Node SDK reports "Object.?"; Node's printed trace "Object.<anonymous>" or no name.
    assert (
        frame_component({"function": name, "filename": "/srv/api/src/server.js"}) == "frame:src/server.js:<anonymous>"
    )


def test_js_frame_with_nothing_is_skipped() -> None:
    assert frame_component({"lineno": 1, "colno": 2}, "javascript") is None


def test_go_log_frames_split_package_like_the_sdk() -> None:
    sdk = frame_component(
        {"module": "github.com/acme/app/orders", "function": "(*Handler).Get.func1", "abs_path": "/src/orders/h.go"}
    )
    log = frame_component(
        {"function": "github.com/acme/app/orders.(*Handler).Get.func2(...)", "filename": "/build/orders/h.go"}
    )
    assert sdk == log == "frame:github.com/acme/app/orders:Handler.Get.func"


def test_jvm_module_prefix_of_jdk_frames_is_dropped() -> None:
    log = frame_component({"module": "java.base/java.lang.Integer", "function": "parseInt", "filename": "Integer.java"})
    loader = frame_component({"module": "app//com.acme.App", "function": "main", "filename": "App.java"})
    assert log == "frame:java.lang.Integer:parseInt"
    assert loader == "frame:com.acme.App:main"


def test_recursion_collapses_single_frames_and_short_cycles() -> None:
    collapse = grouping._collapse_recursion
    assert collapse(["a", "b", "b", "b", "c"]) == ["a", "b", "c"]
    assert collapse(["a", "b", "c", "b", "c", "b", "c", "d"]) == ["a", "b", "c", "d"]
    assert collapse(["a", "b", "a", "c"]) == ["a", "b", "a", "c"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("lambda$main$0", "lambda$main"),
        ("lambda$null$12", "lambda$null"),
        ("main.handler.func1", "main.handler.func"),
        ("main.main.func1.2", "main.main.func"),
        ("glob..func1", "glob..func"),
        ("Object.<anonymous>", "<anonymous>"),
        ("Object.?", "<anonymous>"),
        ("<anonymous>", "<anonymous>"),
        ("new <anonymous>", "<anonymous>"),
        ("async processOrder", "processOrder"),
        ("block (2 levels) in foo", "block in foo"),
        ("block in foo", "block in foo"),
        ("class@anonymous\x00/var/www/src/Job.php:12$0::handle", "class@anonymous::handle"),
        ("class@anonymous/in/Job.php:3$1a", "class@anonymous"),
        ("fn__1234", "fn"),
        ("<Main>b__0_0", "<Main>b"),
        ("<ProcessAsync>d__5.MoveNext", "<ProcessAsync>d.MoveNext"),
        ("<>c__DisplayClass5_0", "<>c__DisplayClass"),
        ("checkout", "checkout"),
        ("__init__", "__init__"),
        ("?", ""),
    ],
)
def test_normalize_function(raw: str, expected: str) -> None:
    assert normalize_function(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("com.acme.OrderService$$EnhancerBySpringCGLIB$$3f1c2a9b", "com.acme.OrderService"),
        ("com.acme.OrderService$$EnhancerByCGLIB$$abc123", "com.acme.OrderService"),
        ("com.acme.OrderService$$FastClassBySpringCGLIB$$1a2b", "com.acme.OrderService"),
        ("com.acme.OrderService$$SpringCGLIB$$0", "com.acme.OrderService"),
        ("com.acme.Invoice_$$_jvst4e1_2", "com.acme.Invoice"),
        ("com.acme.Invoice$HibernateProxy$Xy12Ab", "com.acme.Invoice"),
        ("com.acme.Job$$Lambda$14/0x0000000800c02a00", "com.acme.Job$$Lambda"),
        ("billing.core$fn__4821", "billing.core$fn"),
        ("billing.core$eval915", "billing.core$eval"),
        ("com.acme.Outer$Inner", "com.acme.Outer$Inner"),
    ],
)
def test_normalize_module(raw: str, expected: str) -> None:
    assert normalize_module(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://cdn.example.com/static/js/main.3f2a9c.js?v=2#x", "js/main.js"),
        ("https://cdn.example.com/assets/index-BZ3k9Fq2.js", "assets/index.js"),
        ("https://cdn.example.com/static/js/0.f3e4a5b6.chunk.js", "js/0.chunk.js"),
        ("webpack:///./src/components/Cart.tsx", "components/Cart.tsx"),
        ("app:///main.js", "main.js"),
        ("/srv/api/node_modules/express@4.18.2/lib/router/index.js", "node_modules/express/lib/router/index.js"),
        (
            "/srv/api/node_modules/.pnpm/@babel+core@7.1.0/node_modules/@babel/core/lib/index.js",
            "node_modules/@babel/core/lib/index.js",
        ),
        ("C:\\apps\\api\\src\\routes\\orders.js", "routes/orders.js"),
        ("/root/go/pkg/mod/github.com/pkg/errors@v0.9.1/errors.go", "pkg/mod/github.com/pkg/errors/errors.go"),
        ("/usr/local/bundle/gems/rails-7.1.2/lib/rails.rb", "gems/rails/lib/rails.rb"),
        (
            "/opt/venv/lib/python3.12/site-packages/django/core/handlers/base.py",
            "site-packages/django/core/handlers/base.py",
        ),
        ("/srv/shop/app/models/order.rb", "models/order.rb"),
        ("index.test.js", "index.test.js"),
        ("", ""),
    ],
)
def test_normalize_filename(raw: str, expected: str) -> None:
    assert normalize_filename(raw) == expected
