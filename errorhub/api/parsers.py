"""The API's JSON parser: DRF's, with the nesting bound every outside JSON gets.

DRF's ``JSONParser`` uses the stdlib decoder, which recurses per level: a body
nested a few thousand levels deep raised ``RecursionError`` (a 500), and one
nested a few hundred deep reached the services. Both are the client's to fix.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from ingest.protocol.limits import MAX_JSON_DEPTH, deeper_than


class BoundedJSONParser(JSONParser):
    """``JSONParser`` that answers 400 for JSON nested deeper than ``MAX_JSON_DEPTH``."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = deeper_than(data)
        if too_deep:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels")
        return data
