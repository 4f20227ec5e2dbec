"""The one settings object. Every path a run writes is derived here, from ACCORD_HOME."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Accord's configuration, read from ACCORD_* environment variables.

    home:         the data home; database, media, datasets, models, events and keys live under it.
    database_url: SQLAlchemy URL of the registry; default a SQLite file inside the home.
    attribution_method: the attribution method credits are computed with (symbolic | trak).
    attribution_policy: a TOML file overriding the credit rule's defaults (docs/attribution.md).
    signing_cert: PEM chain (signer first) that signs generated outputs; default the
                  development chain `accord init` makes under keys/ (development only).
    signing_key:  the signer's PKCS#8 PEM private key; default keys/dev-signer.key.
    trust_anchors: PEM root certificate(s) `accord verify` trusts; default keys/dev-root-ca.pem.
    """

    model_config = SettingsConfigDict(env_prefix="ACCORD_", extra="ignore")

    home: Path = Field(default=Path("./accord-data"))
    database_url: str | None = None
    attribution_method: str = "symbolic"
    attribution_policy: Path | None = None
    signing_cert: Path | None = None
    signing_key: Path | None = None
    trust_anchors: Path | None = None

    @cached_property
    def db_url(self) -> str:
        """The effective database URL (the SQLite default resolved against the home)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'accord.db').resolve()}"

    # Sub-directories of the home. One place names them all.
    @property
    def media_dir(self) -> Path:
        return self.home / "media"

    @property
    def datasets_dir(self) -> Path:
        return self.home / "datasets"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def events_dir(self) -> Path:
        return self.home / "events"

    @property
    def royalties_dir(self) -> Path:
        return self.home / "royalties"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def signing_cert_path(self) -> Path:
        return self.signing_cert or self.keys_dir / "dev-signer-chain.pem"

    @property
    def signing_key_path(self) -> Path:
        return self.signing_key or self.keys_dir / "dev-signer.key"

    @property
    def trust_anchors_path(self) -> Path:
        return self.trust_anchors or self.keys_dir / "dev-root-ca.pem"

    @property
    def outputs_dir(self) -> Path:
        return self.home / "outputs"

    @property
    def cache_dir(self) -> Path:
        """Derived data that may be deleted at any time (e.g. the catalogue's parse cache)."""
        return self.home / "cache"

    @property
    def trust_dir(self) -> Path:
        """Upload screening: stored uploads, the fingerprint index, the screening policy."""
        return self.home / "trust"

    def ensure_home(self) -> None:
        for d in (self.home, self.media_dir, self.datasets_dir, self.models_dir,
                  self.events_dir, self.keys_dir, self.outputs_dir):
            d.mkdir(parents=True, exist_ok=True)
