# The two commands a newcomer needs (see README.md): `make demo` and `make test`.
# Both run scripts/bootstrap.sh first, which installs whatever is missing.
.PHONY: demo test bootstrap lint bench

bootstrap:
	@scripts/bootstrap.sh

demo: bootstrap
	.venv/bin/accord --home "$${ACCORD_HOME:-./accord-data}" demo --fresh

test: bootstrap
	@scripts/ensure-services.sh
	.venv/bin/ruff check src tests bench
	.venv/bin/lint-imports
	.venv/bin/python -m pytest -q --durations=15

lint: bootstrap
	.venv/bin/ruff check src tests bench
