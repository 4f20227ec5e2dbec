"""The authorization policy as a pure table: actor x action x resource -> allowed, and why."""

from __future__ import annotations

import pytest

from accord.accounts.model import AccountRole as R
from accord.accounts.policy import ANONYMOUS, Action, Actor, Resource, can

FAN = Actor(R.FAN)
ADMIN = Actor(R.ADMIN)
BEA = Actor(R.ARTIST, "bea")
ADA = Actor(R.SONGWRITER, "ada")
LABEL = Actor(R.RIGHTS_HOLDER, "label")
RIVAL = Actor(R.RIGHTS_HOLDER, "rival")

BEA_CONSENTS = Resource("consents of party", "bea", frozenset({"bea"}))
LABEL_AGREEMENT = Resource("agreement", "a1", frozenset({"label"}))
BEA_STATEMENT = Resource("statement", "s1", frozenset({"bea"}))
LABEL_CATALOGUE = Resource("catalogue of", "label", frozenset({"label"}))
FAN_KEY = Resource("api key", "key-1", frozenset({"acct-fan"}))
FAN_JOB = Resource("creation", "cre-1", frozenset({"acct-fan"}))
FAN_WITH_ID = Actor(R.FAN, account_id="acct-fan")
BEA_WITH_ID = Actor(R.ARTIST, "bea", account_id="acct-bea")


def doc(*parts: Resource) -> Resource:
    return Resource("rights document", parts=parts)


OWN_DOC = doc(Resource("recording", "r1", frozenset({"label"})),
              Resource("agreement", "a1", frozenset({"label"})),
              Resource("party", "new-artist"))  # a new party: no owners yet
FOREIGN_WORK_DOC = doc(Resource("recording", "r1", frozenset({"label"})),
                       Resource("work", "w9", frozenset({"pub"})))
CONSENT_DOC = doc(Resource("consent", "c1", frozenset({"bea"})))
EXISTING_PARTY_DOC = doc(Resource("party", "bea", frozenset({"bea"})))

TABLE = [
    # actor, action, resource, allowed, words in the reason
    (ANONYMOUS, Action.READ_PUBLIC, None, True, "everyone"),
    (ANONYMOUS, Action.READ_REGISTRY, None, False, "sign in"),
    (FAN, Action.READ_REGISTRY, None, True, "signed-in"),
    (FAN, Action.GENERATE, None, True, "signed-in"),
    (ANONYMOUS, Action.GENERATE, None, False, "sign in"),
    (BEA, Action.CHANGE_CONSENT, BEA_CONSENTS, True, "own consents"),
    (ADA, Action.CHANGE_CONSENT, BEA_CONSENTS, False, "only its own consents"),
    (LABEL, Action.CHANGE_CONSENT, BEA_CONSENTS, False, "artist or songwriter themselves"),
    (FAN, Action.CHANGE_CONSENT, BEA_CONSENTS, False, "artist or songwriter themselves"),
    (ADMIN, Action.CHANGE_CONSENT, BEA_CONSENTS, True, "admins"),
    (BEA, Action.READ_CONSENTS, BEA_CONSENTS, True, "own consents"),
    (ADA, Action.READ_CONSENTS, BEA_CONSENTS, False, "only its own consents"),
    (LABEL, Action.MANAGE_AGREEMENT, LABEL_AGREEMENT, True, "own agreement"),
    (RIVAL, Action.MANAGE_AGREEMENT, LABEL_AGREEMENT, False, "licensed by someone else"),
    (BEA, Action.MANAGE_AGREEMENT, LABEL_AGREEMENT, False, "only the licensing rights holder"),
    (ADMIN, Action.MANAGE_AGREEMENT, LABEL_AGREEMENT, True, "admins"),
    (LABEL, Action.IMPORT_RIGHTS, OWN_DOC, True, "rights holder's own"),
    (RIVAL, Action.IMPORT_RIGHTS, OWN_DOC, False, "recording 'r1' is not in 'rival'"),
    (LABEL, Action.IMPORT_RIGHTS, FOREIGN_WORK_DOC, False, "work 'w9' is not in 'label'"),
    (LABEL, Action.IMPORT_RIGHTS, CONSENT_DOC, False, "cannot import consents"),
    (LABEL, Action.IMPORT_RIGHTS, EXISTING_PARTY_DOC, False, "party 'bea'"),
    (BEA, Action.IMPORT_RIGHTS, OWN_DOC, False, "only rights holders"),
    (ADMIN, Action.IMPORT_RIGHTS, FOREIGN_WORK_DOC, True, "admins"),
    (BEA, Action.READ_STATEMENT, BEA_STATEMENT, True, "payee's own"),
    (ADA, Action.READ_STATEMENT, BEA_STATEMENT, False, "payee and admins only"),
    (LABEL, Action.READ_STATEMENT, BEA_STATEMENT, False, "payee and admins only"),
    (ADMIN, Action.READ_STATEMENT, BEA_STATEMENT, True, "admins"),
    (LABEL, Action.VERIFY_AUDIT, None, False, "admins only"),
    (ADMIN, Action.VERIFY_AUDIT, None, True, "admins"),
    (FAN, Action.MANAGE_ACCOUNTS, None, False, "admins only"),
    (LABEL, Action.TAKEDOWN, None, False, "admins only"),
    (BEA, Action.TAKEDOWN, None, False, "admins only"),
    (ADMIN, Action.TAKEDOWN, None, True, "admins"),
    (FAN, Action.READ_MODELS, None, True, "signed-in"),
    (ANONYMOUS, Action.READ_MODELS, None, False, "sign in"),
    (LABEL, Action.READ_RUNS, None, False, "admins only"),
    (ADMIN, Action.READ_RUNS, None, True, "admins"),
    (BEA, Action.START_RUN, None, False, "admins only"),
    (ADMIN, Action.START_RUN, None, True, "admins"),
    (FAN_WITH_ID, Action.REVOKE_API_KEY, FAN_KEY, True, "own API key"),
    (BEA_WITH_ID, Action.REVOKE_API_KEY, FAN_KEY, False, "only its own API keys"),
    (ADMIN, Action.REVOKE_API_KEY, FAN_KEY, True, "admins"),
    (FAN_WITH_ID, Action.READ_CREATION, FAN_JOB, True, "own creation"),
    (BEA_WITH_ID, Action.READ_CREATION, FAN_JOB, False, "account that asked for it"),
    (ANONYMOUS, Action.READ_CREATION, FAN_JOB, False, "sign in"),
    (ADMIN, Action.READ_CREATION, FAN_JOB, True, "admins"),
    (LABEL, Action.READ_CATALOGUE, LABEL_CATALOGUE, True, "own catalogue"),
    (RIVAL, Action.READ_CATALOGUE, LABEL_CATALOGUE, False, "only its own catalogue"),
    (BEA, Action.READ_CATALOGUE, LABEL_CATALOGUE, False, "only the rights holder"),
    (ADMIN, Action.READ_CATALOGUE, LABEL_CATALOGUE, True, "admins"),
]


@pytest.mark.parametrize(("actor", "action", "resource", "allowed", "words"), TABLE,
                         ids=[f"{a.name}-{act.value}-{i}" for i, (a, act, *_)
                              in enumerate(TABLE)])
def test_policy_table(actor, action, resource, allowed, words):
    decision = can(actor, action, resource)
    assert decision.allowed is allowed
    assert words in decision.reason


def test_every_action_is_decided_for_every_role():
    """No action is left undecided: anonymous is refused all but public reads, admin allowed."""
    for action in Action:
        assert can(ADMIN, action, LABEL_AGREEMENT).allowed
        assert can(ANONYMOUS, action).allowed is (action is Action.READ_PUBLIC)
