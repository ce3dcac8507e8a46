"""`extractor serve` (the review web app) and `extractor users add|list|revoke` (reviewer accounts).

`add_commands(subparsers)` is found by extractor/cli.py through the
`extractor.commands` entry point. Cheap to import: FastAPI, uvicorn and
SQLAlchemy load inside the commands.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from extractor.config import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from review.app import create_app

    app = create_app(settings)
    print(f"review queue on http://{args.host}:{args.port}/ (API docs at /docs)", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                proxy_headers=False, server_header=False)
    return EXIT_OK


def read_password(prompt_tty: bool) -> str:
    """Asked twice on a terminal; else the first line of stdin."""
    if prompt_tty and sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise ValueError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users(args: argparse.Namespace, settings: Settings) -> int:
    from review.auth import UserError, Users
    from workers.store import ResultStore

    store = ResultStore(settings.database_url)
    users = Users(store)
    try:
        if args.users_command == "list":
            for name, admin in users.names():
                print(f"{name}\t{'admin' if admin else 'reviewer'}")
            return EXIT_OK
        if args.users_command == "revoke":
            if not users.revoke(args.name):
                print(f"extractor users: no user {args.name!r}", file=sys.stderr)
                return EXIT_FAILED
            print(f"every session of {args.name} ended")
            return EXIT_OK
        try:
            password = read_password(not args.password_stdin)
            user = users.add(args.name, password, admin=args.admin)
        except (UserError, ValueError) as e:
            print(f"extractor users: {e}", file=sys.stderr)
            return EXIT_FAILED
        print(f"added {user.name}{' (admin)' if user.is_admin else ''}")
        return EXIT_OK
    finally:
        users.close()
        store.close()


def add_commands(sub: Any) -> None:
    p = sub.add_parser("serve", help="the review queue: a web page and JSON API over the store")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--log-level", default="info",
                   choices=("critical", "error", "warning", "info", "debug"))
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("users", help="reviewer accounts of the review queue")
    users = p.add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="add a reviewer (password prompted, or read from stdin)")
    add.add_argument("name")
    add.add_argument("--admin", action="store_true", help="may reopen finished records")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from stdin even on a terminal")
    add.set_defaults(func=cmd_users)
    lst = users.add_parser("list", help="list reviewers")
    lst.set_defaults(func=cmd_users)
    revoke = users.add_parser("revoke", help="end every session of a reviewer (they log in again)")
    revoke.add_argument("name")
    revoke.set_defaults(func=cmd_users)
