"""``nq57 keys``: list the template signing keys, or rotate them (see :mod:`.signing`)."""

from __future__ import annotations

import argparse
import sys

from .ingest_cli import add_action_argument, add_store_argument
from .paths import store_path
from .signing import KeyFileError, key_path, load_keys, rotate

ACTIONS = {
    "list": "the key ids and when each was made (never the secrets)",
    "rotate": "make a new key that signs the templates made from now on, keeping the old ones "
    "so that files already sent with an older template still verify",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_action_argument(parser, ACTIONS)
    add_store_argument(
        parser,
        "submissions store whose folder holds secrets/template.key "
        "(default: <warehouse dir>/submissions.duckdb)",
    )


def main(args: argparse.Namespace) -> int:
    store = args.store or store_path()
    try:
        ring = rotate(store) if args.action == "rotate" else load_keys(store)
    except KeyFileError as error:
        print(f"nq57 keys: {error}", file=sys.stderr)
        return 2
    print(f"{key_path(store)}: {len(ring.keys)} key(s), {ring.current.key_id} signs new templates")
    for key in ring.keys:
        print(f"  {key.key_id}  made {key.created_at or 'at an unknown time'}")
    return 0
