"""API settings, read from ACCORD_* variables. Outside development a real token secret is
required: a missing, short or well-known default secret refuses to start."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from accord.config import Settings
from accord.errors import InvalidInput

KNOWN_DEFAULTS = frozenset({"changethis", "secret", "changeme", "default", "accord"})
MIN_SECRET = 32
SECRET_FILE = "api-token-secret"


class ApiSettings(BaseSettings):
    """env:                 development (a per-home generated secret) or production.
    api_token_secret:       HS256 signing key; required in production (ACCORD_API_TOKEN_SECRET).
    api_token_minutes:      lifetime of an access token.
    api_rate_per_minute:    sustained rate of limited (mutating) requests per account.
    api_rate_burst:         how many limited requests an account may make at once.
    api_max_upload_bytes:   largest accepted rights document upload.
    api_max_screening_bytes: largest accepted upload for screening (the whole multipart body).
    api_creation_per_minute: sustained rate of creation requests (generation) per account.
    api_creation_burst:     how many creation requests an account may make at once.
    api_signin_failures_per_minute: failed sign-ins forgiven per minute for one e-mail address.
    api_signin_failures_burst:      failed sign-ins in a row before that address must wait.
    api_max_json_bytes:     largest request body of any other /v1 route (streamed, before parsing).
    api_max_form_bytes:     largest request body of a web form.
    api_session_idle_minutes: a web session ends after this long without a request (sliding).
    api_session_max_hours:  and in any case this long after signing in (absolute).
    api_signin_free_failures: failed sign-ins per (address, client) before the backoff starts.
    api_signin_max_delay_s: the longest backoff; a correct password after it always succeeds.
    api_client_free_failures: failed sign-ins per client (any address) before its backoff.
    api_creation_max_seconds: the longest piece one creation request may ask for (all formats).
    api_creation_per_day:   creation requests per account per UTC day.
    api_creation_bytes_per_day: bytes on disk of an account's outputs per UTC day.
    api_docs:               serve /docs and /openapi.json (default: on in development only).
    api_inprocess_worker:   run a job worker inside the server process (`accord serve`).
    jobs_stale_seconds:     a running job whose worker has not reported for this long is
                            taken back (resumed, or failed after its attempts).
    redis_url:              keep rate limits, sign-in failures and revoked tokens in this Redis
                            (ACCORD_REDIS_URL, e.g. redis://127.0.0.1:6379/0) instead of the
                            registry database.
    redis_prefix:           the prefix of every key Accord writes there.
    """

    model_config = SettingsConfigDict(env_prefix="ACCORD_", extra="ignore")

    env: Literal["development", "production"] = "development"
    api_token_secret: SecretStr | None = None
    api_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    api_rate_per_minute: float = Field(default=30.0, gt=0)
    api_rate_burst: int = Field(default=10, ge=1)
    api_max_upload_bytes: int = Field(default=1_000_000, ge=1)
    api_max_screening_bytes: int = Field(default=200 * 1024 * 1024, ge=1)  # upload screening
    api_creation_per_minute: float = Field(default=6.0, gt=0)
    api_creation_burst: int = Field(default=3, ge=1)
    api_signin_failures_per_minute: float = Field(default=5.0, gt=0)
    api_signin_failures_burst: int = Field(default=10, ge=1)
    api_max_json_bytes: int = Field(default=64 * 1024, ge=1)
    api_max_form_bytes: int = Field(default=16 * 1024, ge=1)
    api_session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    api_session_max_hours: int = Field(default=12, ge=1, le=24 * 30)
    api_signin_free_failures: int = Field(default=5, ge=1)
    api_signin_max_delay_s: int = Field(default=30, ge=1, le=3600)
    api_client_free_failures: int = Field(default=30, ge=1)
    api_creation_max_seconds: float = Field(default=120.0, gt=0)
    api_creation_per_day: int = Field(default=50, ge=1)
    api_creation_bytes_per_day: int = Field(default=200_000_000, ge=1)
    api_docs: bool | None = None
    api_inprocess_worker: bool = True
    jobs_stale_seconds: float = Field(default=60.0, gt=0)
    redis_url: str | None = None
    redis_prefix: str = Field(default="accord:", max_length=64)

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.env != "production"


def _check(secret: str, where: str) -> str:
    if secret.strip().lower() in KNOWN_DEFAULTS or len(secret) < MIN_SECRET:
        raise InvalidInput(f"{where}: the token secret is a default or shorter than "
                           f"{MIN_SECRET} characters; set a random one")
    return secret


def token_secret(settings: Settings, api: ApiSettings) -> str:
    """The signing secret. Production: ACCORD_API_TOKEN_SECRET, checked. Development: that
    variable if set, else one generated once per home under keys/ with 0600 permissions."""
    if api.api_token_secret is not None:
        return _check(api.api_token_secret.get_secret_value(), "ACCORD_API_TOKEN_SECRET")
    if api.env == "production":
        raise InvalidInput("ACCORD_ENV=production needs ACCORD_API_TOKEN_SECRET "
                           "(a random string of at least 32 characters)")
    path = Path(settings.keys_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
                f.flush()
                os.fsync(f.fileno())
    return _check(path.read_text().strip(), str(path))
