"""Attribution closes the loop on a real creation output: its credits are stored (summing to
exactly 1), handed to royalties as credit events, and written into the output's signed
credentials, which still verify; a changed byte still fails."""

from decimal import Decimal
from pathlib import Path

import pytest

from accord.attribution import service as attribution
from accord.creation import service
from accord.creation.request import CreationRequest, Params

pytestmark = pytest.mark.slow


def test_credits_are_stored_paid_and_signed_into_the_credentials(home):
    req = CreationRequest(home.model_id, "new", Params(bars=4, seed=41), formats=("wav", "mp3"))
    with home.session() as s:
        out = service.create(s, home.settings, req).outputs[0]
    before = {role: info["sha256"] for role, info in out.files.items()}
    assert service.verify(home.settings, Path(out.files["wav"]["path"])).facts["credits"] == {
        "status": "pending"}

    with home.session() as s:
        result = attribution.credit_output(s, home.settings, out.id)
    assert result["stored"] and sum(Decimal(c["share"]) for c in result["credits"]) == 1
    summary = attribution.provenance_summary(result)

    with home.session() as s:
        again = service.get_output(s, out.id)
        events = attribution.royalty_credit_events(s, out.id)
        assert attribution.credit_output(s, home.settings, out.id)["stored"]  # stored, not redone
    assert sum(Decimal(e["share"]) for e in events) == 1
    for role in ("wav", "mp3", "sidecar"):
        path = Path(again.files[role]["path"])
        v = service.verify(home.settings, path)
        assert v.ok, (role, v.problems)
        assert v.facts["credits"] == summary
        assert again.files[role]["sha256"] != before[role]  # re-signed, hash recorded
    assert again.files["midi"]["sha256"] == before["midi"]  # the music itself is untouched
    assert not list(Path(again.files["wav"]["path"]).parent.glob(".*.tmp"))

    wav = Path(again.files["wav"]["path"])
    data = bytearray(wav.read_bytes())
    data[len(data) // 2] ^= 0xFF
    wav.write_bytes(bytes(data))
    assert not service.verify(home.settings, wav).ok
