"""Big DynamoDB tables for a benchmark (`benchmarks/home_scale.py`): items written straight into
moto's backend (100,000 BatchWriteItem items through boto3 take minutes), and index Queries that
read only what DynamoDB reads. moto answers a Query of an index by sorting and walking every
item of the table — about 1 s a Query at 100,000 items, moto's cost and not the caller's. Used
by the benchmark only (not by `install()`): a moto that moved these fails it at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from moto.dynamodb.models import dynamodb_backends

ACCOUNT, REGION = "123456789012", "us-east-1"


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
        if len(args) < 8 or not args[7] or len(conditions) != 1:
            return walk_all(*args, **kwargs)
        name, value = conditions[0]
        wanted = (args[2][0].value,) if args[1] in ("=", "EQ") else ()
        table.all_items = lambda: list(read.get((name, value.value, *wanted), []))
        try:
            return walk_all(*args, **kwargs)
        finally:
            del table.all_items

    table.query = query
