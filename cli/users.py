"""``create-user``, ``rotate-token`` and ``revoke-token``."""

import argparse

from cli.runtime import Factory, run_with_database
from core.servers import provide_servers
from core.settings import Settings
from models import Role
from services.access.users import create_user, revoke_token, rotate_token


def create(settings: Settings, args: argparse.Namespace) -> int:
    async def work(factory: Factory) -> str:
        async with factory() as db, db.begin():
            user, token = await create_user(db, args.email, args.name or args.email, Role(args.role))
        return f"created {user.role.value} {user.email} (id {user.id})\ntoken (shown once): {token}"

    with provide_servers(settings, command="create-user", may_attach=True) as urls:
        print(run_with_database(urls.database_url, work))
    return 0


def rotate(settings: Settings, args: argparse.Namespace) -> int:
    async def work(factory: Factory) -> str:
        async with factory() as db, db.begin():
            return await rotate_token(db, args.email)

    with provide_servers(settings, command="rotate-token", may_attach=True) as urls:
        print(f"new token for {args.email} (shown once; the old one no longer works): "
              f"{run_with_database(urls.database_url, work)}")  # fmt: skip
    return 0


def revoke(settings: Settings, args: argparse.Namespace) -> int:
    async def work(factory: Factory) -> None:
        async with factory() as db, db.begin():
            await revoke_token(db, args.email)

    with provide_servers(settings, command="revoke-token", may_attach=True) as urls:
        run_with_database(urls.database_url, work)
    print(f"revoked the token of {args.email}")
    return 0


def add_parsers(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("create-user", help="create a user and print their API token once")
    p.add_argument("--email", required=True, help="the user's email (their login; stored lower-case)")
    p.add_argument(
        "--role", choices=[r.value for r in Role], default=Role.ATHLETE.value, help="what they may do"
    )
    p.add_argument("--name", help="display name (default: the email)")
    for name, text in (("rotate-token", "replace a user's token"), ("revoke-token", "revoke a user's token")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--email", required=True, help="the user's email")


COMMANDS = {"create-user": create, "rotate-token": rotate, "revoke-token": revoke}
