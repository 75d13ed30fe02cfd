"""Big DynamoDB tables for a benchmark (`benchmarks/home_scale.py`): items written straight into
moto's backend (100,000 BatchWriteItem items through boto3 take minutes), and index Queries that
read only what DynamoDB reads. moto answers a Query of an index by sorting and walking every
item of the table — about 1 s a Query at 100,000 items, moto's cost and not the caller's. Used
by the benchmark only (not by `install()`); `check()` names what it relies on all the same."""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import SecondaryIndex, Table

from emoji_smith_local.moto_internals.fence import declared, sets

ACCOUNT, REGION = "123456789012", "us-east-1"
#: Table.query's positional parameters, in the order `query` below reads them.
QUERY_PARAMETERS = ["self", "hash_key", "range_comparison", "range_objs", "limit"]
QUERY_INDEX_PARAMETER = 8  # index_name, after the limit, start key, order and projection


def needed() -> dict[str, bool]:
    parameters = list(inspect.signature(Table.query).parameters)
    return {
        **{f"Table.{name}": declared(Table, name) for name in ("put_item", "all_items")},
        "Table.global_indexes": sets(Table, "global_indexes"),
        "Table.query(self, hash_key, range_comparison, range_objs, limit, …, index_name)": (
            parameters[: len(QUERY_PARAMETERS)] == QUERY_PARAMETERS
            and parameters[QUERY_INDEX_PARAMETER : QUERY_INDEX_PARAMETER + 1] == ["index_name"]
        ),
        "SecondaryIndex.schema": sets(SecondaryIndex, "schema"),
        "Item.attrs": sets(Item, "attrs"),
    }


def put_items(table_name: str, items: Iterable[dict[str, Any]]) -> None:
    """Each item (DynamoDB JSON) as PutItem would store it, without the HTTP round trip."""
    table = dynamodb_backends[ACCOUNT][REGION].get_table(table_name)
    for item in items:
        table.put_item(item)


def read_index_partitions(table_name: str) -> None:
    """From now on this table's index Queries read the queried partition only — or of it the
    sort key asked for, when the condition is an equality — instead of every item; moto still
    sorts, limits, projects and serializes them. The table must not change afterwards."""
    table: Any = dynamodb_backends[ACCOUNT][REGION].get_table(table_name)  # methods replaced
    keys = {
        index.name: [key["AttributeName"] for key in index.schema] for index in table.global_indexes
    }
    read: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for item in table.all_items():
        for hash_key, *sort_key in keys.values():
            if hash_key not in item.attrs:
                continue
            read[(hash_key, item.attrs[hash_key].value)].append(item)
            if sort_key and sort_key[0] in item.attrs:
                pair = (item.attrs[hash_key].value, item.attrs[sort_key[0]].value)
                read[(hash_key, *pair)].append(item)
    walk_all = table.query

    def query(*args: Any, **kwargs: Any) -> Any:
        # Table.query(hash_key, range_comparison, range_objs, limit, exclusive_start_key,
        # scan_index_forward, projection_expressions, index_name, ...): moto 5.2.5's order.
        conditions = kwargs.get("hash_key_conditions") or []
        index = QUERY_INDEX_PARAMETER - 1  # args leave out self
        if len(args) <= index or not args[index] or len(conditions) != 1:
            return walk_all(*args, **kwargs)
        name, value = conditions[0]
        wanted = (args[2][0].value,) if args[1] in ("=", "EQ") else ()
        table.all_items = lambda: list(read.get((name, value.value, *wanted), []))
        try:
            return walk_all(*args, **kwargs)
        finally:
            del table.all_items

    table.query = query
