"""The hand-built rights scenario of the demo (all parties fictional, flagged demo).

A demo label and a demo publisher have licensed `train` and `style`; the single recording has
two credited artists. The story the demo tells: one artist never opted in (denied, naming her),
then both opted in (allowed), then one revokes from next month (allowed before, denied after).
"""

from __future__ import annotations

from datetime import datetime

from accord.timeutil import fmt

LABEL = "demo-label-northwind"
PUBLISHER = "demo-pub-quillfeather"
WRITER = "demo-writer-ada"
SINGER = "demo-artist-bea"
FEATURED = "demo-artist-cal"
WORK = "demo-work-lantern"
RECORDING = "demo-rec-lantern"
ISRC = "XDDMO2600001"  # XD is an ISO 3166 user-assigned code: no real ISRC can start with it


def document(start: datetime) -> dict:
    """The scenario as a rights import document, with its terms starting at `start`."""
    t0 = fmt(start)
    return {
        "accord_rights_document": 1,
        "parties": [
            {"id": LABEL, "name": "Northwind Records (demo label)", "roles": ["label"],
             "demo": True},
            {"id": PUBLISHER, "name": "Quillfeather Publishing (demo publisher)",
             "roles": ["publisher"], "demo": True},
            {"id": WRITER, "name": "Ada Quill (demo songwriter)", "roles": ["songwriter"],
             "demo": True},
            {"id": SINGER, "name": "Bea Lantern (demo artist)", "roles": ["performing_artist"],
             "demo": True},
            {"id": FEATURED, "name": "Cal Ember (demo featured artist)",
             "roles": ["performing_artist"], "demo": True},
        ],
        "works": [{"id": WORK, "title": "Lantern Song (demo)", "demo": True,
                   "writers": [{"party": WRITER, "share": "100"}],
                   "publishers": [{"party": PUBLISHER, "share": "100"}]}],
        "recordings": [{"id": RECORDING, "title": "Lantern Song (demo recording)", "demo": True,
                        "work": WORK, "isrc": ISRC, "artists": [SINGER, FEATURED],
                        "masters": [{"party": LABEL, "share": "100"}]}],
        "agreements": [
            {"id": "demo-agr-northwind-ai", "licensor": LABEL,
             "title": "Northwind AI licence (demo)",
             "uses": ["train", "style", "dj"], "purpose": "commercial", "catalogue": "all",
             "valid_from": t0, "grace_period_days": 30, "demo": True,
             "revenue_terms": {"master_share_of_pool": "0.5"}},
            {"id": "demo-agr-quillfeather-ai", "licensor": PUBLISHER,
             "title": "Quillfeather AI licence (demo)", "uses": ["train", "style"],
             "purpose": "commercial", "catalogue": "all", "valid_from": t0, "demo": True,
             "revenue_terms": {"publishing_share_of_pool": "0.5"}},
        ],
        "consents": [
            {"id": "demo-consent-ada-train", "party": WRITER, "use": "train", "action": "opt_in",
             "effective_at": t0, "reason": "demo: opted in to everything"},
            {"id": "demo-consent-ada-style", "party": WRITER, "use": "style", "action": "opt_in",
             "effective_at": t0, "reason": "demo: opted in to everything"},
            {"id": "demo-consent-bea-train", "party": SINGER, "use": "train", "action": "opt_in",
             "effective_at": t0, "reason": "demo: opted in to train, not style"},
        ],
    }
