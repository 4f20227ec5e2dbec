"""The catalogue: symbolic ingest, the bundled public-domain demo corpus, content hashes."""
