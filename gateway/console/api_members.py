"""Console API for accounts and their members: list, settings, invite, change role, remove."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from gateway.accounts import invitations
from gateway.accounts.errors import LastOwner, MemberNotFound, TwoFactorState
from gateway.accounts.operators import parse_name
from gateway.accounts.records import Member
from gateway.console.fields import check_fields, flag, role
from gateway.console.routing import ConsoleCall, console_route, json


async def list_accounts(call: ConsoleCall) -> Response:
    found = await call.services.accounts.store.accounts_of(call.me.id)
    return json({"accounts": [{**a.view(), "role": r} for a, r in found]})


async def show_account(call: ConsoleCall) -> Response:
    grant = call.account_grant
    return json({**grant.account.view(), "role": grant.role})


async def update_account(call: ConsoleCall) -> Response:
    check_fields(call.body, {"name", "require_2fa"})
    store = call.services.accounts.store
    account = call.account_grant.account
    values: dict[str, object] = {}
    if "name" in call.body:
        values["name"] = parse_name(call.body["name"])
    if "require_2fa" in call.body:
        values["require_2fa"] = flag(call.body, "require_2fa")
        if values["require_2fa"] and not call.me.two_factor:
            raise TwoFactorState("turn on two-factor sign-in for yourself before requiring it")
    if values:
        await store.update_account(account.id, **values)
    updated = await store.account(account.id)
    assert updated is not None
    return json({**updated.view(), "role": call.account_grant.role})


async def list_members(call: ConsoleCall) -> Response:
    store = call.services.accounts.store
    account = call.account_grant.account
    members = await store.members(account.id)
    invited = await store.open_invitations(account.id, call.now)
    return json(
        {
            "members": [m.view() for m in members],
            "invitations": [
                {"id": i.id, "email": i.email, "role": i.role, "expires_at": i.expires_at}
                for i in invited
            ],
        }
    )


async def invite_member(call: ConsoleCall) -> Response:
    check_fields(call.body, {"email", "role"})
    email = invitations.parse_address(call.body.get("email"))
    wanted = role(call.body)
    services = call.services
    invitation, _ = await invitations.invite(
        services.accounts,
        services.mailer,
        services.settings,
        call.account_grant.account,
        email,
        wanted,
        call.me.id,
        call.now,
    )
    # The same answer whether or not the address already has a sign-in.
    return json(
        {"status": "invited", "email": email, "role": wanted, "expires_at": invitation.expires_at},
        202,
    )


async def _member(call: ConsoleCall) -> tuple[Member, list[Member]]:
    members = await call.services.accounts.store.members(call.account_grant.account.id)
    wanted = call.request.path_params["person"]
    for member in members:
        if member.person_id == wanted:
            return member, members
    raise MemberNotFound("no member of this account has this id")


def _keeps_an_owner(members: list[Member], leaving: Member) -> None:
    owners = [m for m in members if m.role == "owner"]
    if leaving.role == "owner" and len(owners) == 1:
        raise LastOwner("the account would have no owner left; make someone else owner first")


async def change_role(call: ConsoleCall) -> Response:
    check_fields(call.body, {"role"})
    wanted = role(call.body)
    member, members = await _member(call)
    if wanted != "owner":
        _keeps_an_owner(members, member)
    account = call.account_grant.account
    await call.services.accounts.store.set_membership(member.person_id, account.id, wanted)
    return json({**member.view(), "role": wanted})


async def remove_member(call: ConsoleCall) -> Response:
    member, members = await _member(call)
    _keeps_an_owner(members, member)
    account = call.account_grant.account
    await call.services.accounts.store.remove_membership(member.person_id, account.id)
    return Response(status_code=204)


def routes() -> list[Route]:
    members = "/accounts/{account}/members"
    return [
        console_route("/accounts", list_accounts, ["GET"]),
        console_route("/accounts/{account}", show_account, ["GET"], role="viewer"),
        console_route("/accounts/{account}", update_account, ["PATCH"], role="owner"),
        console_route(members, list_members, ["GET"], role="viewer"),
        console_route(members, invite_member, ["POST"], role="owner"),
        console_route(members + "/{person}", change_role, ["PATCH"], role="owner"),
        console_route(members + "/{person}", remove_member, ["DELETE"], role="owner"),
    ]
