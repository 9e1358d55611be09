"""Event search: the query language, its translation to the search-engine DSL and the index layout.

Pure code (no Django import): ``query`` parses the text users type into an AST,
``dsl`` turns that AST into an Elasticsearch/OpenSearch query, ``mappings``
describes the daily event indices and the document indexed per event.
"""

from ingest.protocol.search.query import Query, QueryError, event_terms, issue_terms, parse_query

__all__ = ["Query", "QueryError", "event_terms", "issue_terms", "parse_query"]
