"""AST -> query DSL for representative queries (structure asserted)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ingest.protocol.search.dsl import (
    TEXT_SEARCH_FIELDS,
    histogram_agg,
    sort_newest_first,
    to_dsl,
    top_tag_values_agg,
)
from ingest.protocol.search.query import FIELDS, parse_query

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def dsl(text: str, **kwargs) -> dict:
    kwargs.setdefault("project_ids", [3])
    kwargs.setdefault("start", None)
    kwargs.setdefault("end", None)
    return to_dsl(parse_query(text, now=NOW), **kwargs)["bool"]


def test_empty_query_filters_projects_only():
    assert to_dsl(parse_query(""), project_ids=[1, 2], start=None, end=None) == {
        "bool": {"filter": [{"terms": {"project_id": ["1", "2"]}}]}
    }


def test_no_projects_matches_nothing_rather_than_everything():
    assert dsl("", project_ids=[])["filter"] == [{"terms": {"project_id": []}}]


def test_start_and_end_bound_the_timestamp():
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, 6, tzinfo=UTC)
    assert dsl("", start=start, end=end)["filter"][1] == {
        "range": {"timestamp": {"gte": "2026-11-01T00:00:00.000Z", "lt": "2026-11-02T06:00:00.000Z"}}
    }


def test_keyword_fields_are_filters():
    assert dsl("level:error release:1.4.2 user.id:42 error.type:ValueError")["filter"][1:] == [
        {"terms": {"level": ["error"]}},
        {"terms": {"release": ["1.4.2"]}},
        {"terms": {"user.id": ["42"]}},
        {"terms": {"exception.type": ["ValueError"]}},
    ]


def test_value_lists_become_one_terms_clause():
    assert dsl("level:[error,fatal]")["filter"][1] == {"terms": {"level": ["error", "fatal"]}}


def test_wildcards_on_keyword_fields_escape_question_marks():
    assert dsl("transaction:/api/*?x")["filter"][1] == {"wildcard": {"transaction": {"value": "/api/*\\?x"}}}


def test_mixed_wildcard_list_is_any_of():
    assert dsl("transaction:[/api/*,/health]")["filter"][1] == {
        "bool": {
            "should": [
                {"wildcard": {"transaction": {"value": "/api/*"}}},
                {"terms": {"transaction": ["/health"]}},
            ],
            "minimum_should_match": 1,
        }
    }


def test_tags_are_key_value_strings():
    out = dsl("browser:Chrome tags[customer]:acme os:Win*")
    assert out["filter"][1:] == [
        {"term": {"tags": "browser=Chrome"}},
        {"term": {"tags": "customer=acme"}},
        {"wildcard": {"tags": {"value": "os=Win*"}}},
    ]


def test_tag_key_is_literal_inside_wildcards():
    assert dsl("tags[a*b]:x*")["filter"][1] == {"wildcard": {"tags": {"value": "a\\*b=x*"}}}


def test_negations_go_to_must_not():
    out = dsl("-level:debug !browser:IE -timeout -has:release")
    assert out["must_not"] == [
        {"terms": {"level": ["debug"]}},
        {"term": {"tags": "browser=IE"}},
        {
            "multi_match": {
                "query": "timeout",
                "fields": TEXT_SEARCH_FIELDS,
                "type": "best_fields",
                "lenient": True,
                "operator": "and",
            }
        },
        {"exists": {"field": "release"}},
    ]
    assert "must" not in out


def test_free_text_and_phrases_are_must_multi_match():
    must = dsl('refused "connection reset" conn*')["must"]
    assert [m["multi_match"]["type"] for m in must] == ["best_fields", "phrase", "phrase_prefix"]
    assert [m["multi_match"]["query"] for m in must] == ["refused", "connection reset", "conn"]
    assert set(TEXT_SEARCH_FIELDS) == {"message", "exception.value", "exception.type.text", "frames.function.text"}


def test_text_fields_match_phrases_and_wildcard_their_keyword():
    assert dsl('message:"disk full" error.value:*timeout*')["filter"][1:] == [
        {"match_phrase": {"message": "disk full"}},
        {"wildcard": {"exception.value.keyword": {"value": "*timeout*"}}},
    ]


def test_has_fields_objects_and_tags():
    out = dsl("has:release has:browser has:user")["filter"][1:]
    assert out[0] == {"exists": {"field": "release"}}
    assert out[1] == {"term": {"tag_keys": "browser"}}
    assert out[2]["bool"]["should"][0] == {"exists": {"field": "user.id"}}
    assert out[2]["bool"]["minimum_should_match"] == 1


def test_time_terms_are_ranges():
    out = dsl("timestamp:>=2026-11-01T10:00:00Z age:-24h timestamp:2026-11-05")["filter"][1:]
    assert out == [
        {"range": {"timestamp": {"gte": "2026-11-01T10:00:00.000Z"}}},
        {"range": {"timestamp": {"gte": "2026-11-19T12:00:00.000Z"}}},
        {"range": {"timestamp": {"gte": "2026-11-05T00:00:00.000Z"}}},
        {"range": {"timestamp": {"lt": "2026-11-06T00:00:00.000Z"}}},
    ]


def test_numeric_and_boolean_fields():
    out = dsl("status_code:>=500 http.status_code:[502,504] error.unhandled:true")["filter"][1:]
    assert out[0] == {"range": {"request.status_code": {"gte": 500}}}
    assert out[1]["bool"]["should"] == [
        {"term": {"request.status_code": 502}},
        {"term": {"request.status_code": 504}},
    ]
    assert out[2] == {"term": {"exception.handled": False}}


def test_issue_and_project_terms_are_left_to_the_caller():
    assert dsl("is:unresolved assigned:me firstSeen:-1d project:web") == {"filter": [{"terms": {"project_id": ["3"]}}]}


def test_output_is_json_serialisable():
    json.dumps(to_dsl(parse_query('a "b c" -d:e has:f age:-1h', now=NOW), project_ids=[1], start=NOW, end=NOW))


def test_sort_newest_first_with_event_id_tiebreak():
    assert sort_newest_first() == [
        {"timestamp": {"order": "desc"}},
        {"event_id": {"order": "desc"}},
    ]


def test_histogram_agg():
    assert histogram_agg("1h") == {"date_histogram": {"field": "timestamp", "fixed_interval": "1h", "min_doc_count": 0}}
    bounded = histogram_agg("30m", start=NOW, end=NOW)["date_histogram"]
    assert bounded["extended_bounds"] == {"min": "2026-11-20T12:00:00.000Z", "max": "2026-11-20T12:00:00.000Z"}
    for bad in ("1y", "0h", "h", "1 h", "1w"):
        with pytest.raises(ValueError, match="invalid histogram interval"):
            histogram_agg(bad)


def test_top_tag_values_agg():
    assert top_tag_values_agg("browser.name", 5) == {
        "terms": {"field": "tags", "size": 5, "include": "browser\\.name=.*"}
    }
    assert top_tag_values_agg("release", 10) == {"terms": {"field": "release", "size": 10}}
    assert top_tag_values_agg("user.id", 3)["terms"]["field"] == "user.id"
    with pytest.raises(ValueError):
        top_tag_values_agg("browser", 0)


@pytest.mark.parametrize("key", sorted(FIELDS))
def test_every_field_translates(key):
    value = {"level": "error", "number": "500", "bool": "true", "id": "ab"}.get(FIELDS[key], "x*")
    out = dsl(f"{key}:{value} -{key}:{value} has:{key} -has:{key}")
    assert len(out["filter"]) + len(out.get("must_not", [])) >= 3
