"""Password hashing (argon2id) and API keys (random, shown once, stored as a SHA-256 digest).

An API key carries 256 bits of randomness, so a fast digest is enough to store it; passwords
are chosen by people and get argon2id."""

from __future__ import annotations

import contextlib
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
KEY_PREFIX = "acc_"
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


_DUMMY: list[str] = []


def dummy_hash() -> str:
    """A hash of a random password with the same parameters, made once per process: checked
    against when there is no real hash, so an unknown address costs what a known one does."""
    if not _DUMMY:
        _DUMMY.append(_HASHER.hash(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored`. Without a stored hash (an unknown address, an
    account without a password) the same argon2 work is done against a dummy hash, and the
    answer is False: the time taken does not say whether the address exists."""
    if not stored:
        with contextlib.suppress(VerificationError, InvalidHashError):
            _HASHER.verify(dummy_hash(), password)
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
