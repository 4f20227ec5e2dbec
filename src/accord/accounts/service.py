"""Account services, called by the CLI (`accord users ...`) and the HTTP API alike.
Each takes a Session and runs inside the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from accord.accounts.credentials import (
    MIN_PASSWORD,
    hash_password,
    key_digest,
    new_api_key,
    verify_password,
)
from accord.accounts.model import PARTY_ROLES, Account, AccountRole
from accord.accounts.tables import AccountRow, ApiKeyRow
from accord.db import raw
from accord.errors import InvalidInput, NotFound
from accord.rights import repository
from accord.rights.model import PERSON_ROLES, Role
from accord.timeutil import now

#: Which registry roles a party needs for an account role.
_PARTY_NEEDS = {
    AccountRole.ARTIST: PERSON_ROLES,
    AccountRole.SONGWRITER: PERSON_ROLES,
    AccountRole.RIGHTS_HOLDER: frozenset({Role.LABEL, Role.PUBLISHER, Role.DISTRIBUTOR}),
}


def _account(row: AccountRow) -> Account:
    return Account(id=row.id, email=row.email, role=AccountRole(row.role), party_id=row.party_id)


def parse_role(value: str) -> AccountRole:
    try:
        return AccountRole(value.replace("-", "_"))
    except ValueError:
        raise InvalidInput(f"unknown role {value!r}; roles: "
                           f"{', '.join(r.value for r in AccountRole)}") from None


def add_account(session: Session, email: str, role: AccountRole, party_id: str | None,
                password: str | None) -> Account:
    """A new account. Artists, songwriters and rights holders are linked to a party that has
    the matching registry role; fans and admins are not linked to any party."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise InvalidInput(f"{email!r} is not an e-mail address")
    if session.execute(select(AccountRow.id).where(AccountRow.email == email)).first():
        raise InvalidInput(f"an account for {email} already exists")
    if role in PARTY_ROLES:
        if not party_id:
            raise InvalidInput(f"a {role.value} account must be linked to a party (--party)")
        party = repository.party(session, party_id)  # NotFound for an unknown id
        if not (party.roles & _PARTY_NEEDS[role]):
            wanted = ", ".join(sorted(r.value for r in _PARTY_NEEDS[role]))
            raise InvalidInput(f"party {party_id!r} cannot hold a {role.value} account: "
                               f"it needs one of the registry roles {wanted}")
    elif party_id:
        raise InvalidInput(f"a {role.value} account is not linked to a party")
    if password is not None and len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    row = AccountRow(id=f"acct-{uuid.uuid4().hex[:16]}", email=email, role=role.value,
                     party_id=party_id or None,
                     password_hash=hash_password(password) if password else None,
                     created_at=now())
    session.add(row)
    session.flush()
    return _account(row)


def get_account(session: Session, account_id: str) -> Account:
    row = session.get(AccountRow, account_id)
    if row is None:
        raise NotFound(f"no account with id {account_id!r}")
    return _account(row)


_ACCOUNT = select(AccountRow.id, AccountRow.email, AccountRow.role, AccountRow.party_id).where(
    AccountRow.id == bindparam("id"))


def read_account(session: Session, account_id: str) -> Account:
    """`get_account` for the start of a request (the token's account, on every authenticated
    request): one primary-key read on the DBAPI cursor (accord.db.raw), not an ORM load. It
    reads what the transaction has flushed, so not for a session holding unflushed changes
    to accounts."""
    rows = raw.fetch_all(session.connection(), _ACCOUNT, {"id": account_id})
    if not rows:
        raise NotFound(f"no account with id {account_id!r}")
    id_, email, role, party_id = rows[0]
    return Account(id=id_, email=email, role=AccountRole(role), party_id=party_id)


def account_by_email(session: Session, email: str) -> Account:
    row = session.execute(select(AccountRow).where(
        AccountRow.email == email.strip().lower())).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no account for {email}")
    return _account(row)


def authenticate(session: Session, email: str, password: str) -> Account | None:
    """The account if the password matches; None otherwise (the caller says nothing more)."""
    row = session.execute(select(AccountRow).where(
        AccountRow.email == email.strip().lower())).scalar_one_or_none()
    if row is None:
        verify_password(None, password)
        return None
    return _account(row) if verify_password(row.password_hash, password) else None


def issue_api_key(session: Session, account_id: str) -> tuple[str, dict]:
    """A new API key for an account: (the key, shown once; its public description)."""
    get_account(session, account_id)
    key = new_api_key()
    row = ApiKeyRow(id=f"key-{uuid.uuid4().hex[:16]}", account_id=account_id,
                    digest=key_digest(key), prefix=key[:10], created_at=now())
    session.add(row)
    session.flush()
    return key, {"id": row.id, "prefix": row.prefix, "account": account_id,
                 "created_at": row.created_at.isoformat()}


def account_by_api_key(session: Session, key: str) -> Account | None:
    row = session.execute(select(ApiKeyRow).where(
        ApiKeyRow.digest == key_digest(key), ApiKeyRow.revoked_at.is_(None))).scalar_one_or_none()
    return None if row is None else get_account(session, row.account_id)


def _key_json(row: ApiKeyRow) -> dict:
    return {"id": row.id, "prefix": row.prefix, "account": row.account_id,
            "created_at": row.created_at.isoformat(),
            "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None}


def api_key_owner(session: Session, key_id: str) -> str:
    """The account id that holds an API key (NotFound for an unknown key id)."""
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFound(f"no API key with id {key_id!r}")
    return row.account_id


def list_api_keys(session: Session, account_id: str) -> list[dict]:
    """An account's API keys (never the keys themselves: id, prefix, times)."""
    rows = session.execute(select(ApiKeyRow).where(ApiKeyRow.account_id == account_id)
                           .order_by(ApiKeyRow.created_at)).scalars()
    return [_key_json(r) for r in rows]


def revoke_api_key(session: Session, key_id: str) -> dict:
    """Revoke an API key from now on; revoking it again changes nothing (the first time stays)."""
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFound(f"no API key with id {key_id!r}")
    if row.revoked_at is None:
        row.revoked_at = now()
        session.flush()
    return _key_json(row)
