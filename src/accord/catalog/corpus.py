"""The bundled public-domain demo corpus (music21's corpus) and the rights facts around it.

Real terms (read from the files inside the installed music21 package):
- corpus/license.txt: encodings distributed with the encoders' permission; "some encodings ...
  may not be used for commercial uses" - those are named below; the rest we take as licensed.
- essenFolksong/license.txt: permission "for non-commercial distribution and use" only.
- palestrina/*.krn: "Copyright 2000, John Miller" (the encoder); no commercial grant.
- josquin/*.abc: GPL-2.0-or-later (Laura E. Conrad). We do not know that a model trained on
  GPL data meets the GPL's terms, so we scope it non-commercial (conservative).
Each becomes the encoder's agreement with the platform, scoped by purpose. Everything else here
(demo publisher, demo label, consent choices) is fictional and flagged demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from accord.catalog.symbolic import SYMBOLIC_SUFFIXES
from accord.timeutil import fmt


def corpus_root() -> Path:
    import music21

    return Path(music21.__file__).parent / "corpus"


@dataclass(frozen=True)
class Licence:
    tag: str
    encoder_id: str
    encoder_name: str
    purpose: str  # "commercial" | "non_commercial"
    source: str  # the licence file or notice the terms come from


MUSIC21 = Licence("music21-corpus", "encoder-music21-corpus",
                  "music21 corpus encoders (distributed with permission)", "commercial",
                  "music21/corpus/license.txt")
LICENCES = {
    "essenFolksong": Licence("essen-non-commercial", "encoder-essen",
                             "Essen Folksong Collection encoders (H. Schaffrath, E. Dahlig-Turek; "
                             "ABC by S. Shlien)", "non_commercial",
                             "music21/corpus/essenFolksong/license.txt"),
    "palestrina": Licence("palestrina-encoder-copyright", "encoder-palestrina",
                          "John Miller (Palestrina encodings)", "non_commercial",
                          "music21/corpus/palestrina/*.krn: !!!YEC: Copyright 2000, John Miller"),
    "josquin": Licence("gpl-2.0-or-later", "encoder-josquin",
                       "Laura E. Conrad (Josquin encodings, GPL)", "non_commercial",
                       "music21/corpus/josquin/*.abc: GNU GPL v2 or later"),
}
#: Four tunes written for the demo (package data, labelled demo) by a fictional writer who is
#: not in the bundled corpus, so not a writer of the shipped reference model: the demo's
#: revocation retires the demo model and leaves the reference model active.
DEMO_SONGBOOK = "demo-songbook"
DEMO_SONGBOOK_FILES = (Path(__file__).parent / "demo_songbook" / "demo-songbook.abc",)
LICENCES[DEMO_SONGBOOK] = Licence(
    "accord-demo-songbook", "encoder-accord-demo-songbook",
    "Accord demo songbook encoders (fictional, demo)", "commercial",
    "accord/catalog/demo_songbook/demo-songbook.abc (written for the demo)")
ALL_LICENCES = (MUSIC21, *LICENCES.values())


def licence_for(collection: str) -> Licence:
    return LICENCES.get(collection, MUSIC21)


DEMO_PUBLISHER = "demo-pub-old-quire"
DEMO_LABEL = "demo-label-gramophone-moon"
DEMO_PUBLISHER_SHARE = "50"

WRITER_NAMES = {
    "bach": "Johann Sebastian Bach", "beethoven": "Ludwig van Beethoven",
    "chopin": "Frédéric Chopin", "corelli": "Arcangelo Corelli", "cpebach": "C. P. E. Bach",
    "handel": "George Frideric Handel", "haydn": "Joseph Haydn", "josquin": "Josquin des Prez",
    "monteverdi": "Claudio Monteverdi", "mozart": "Wolfgang Amadeus Mozart",
    "palestrina": "Giovanni Pierluigi da Palestrina", "schubert": "Franz Schubert",
    "schumann_clara": "Clara Schumann", "schumann_robert": "Robert Schumann",
    "verdi": "Giuseppe Verdi", "weber": "Carl Maria von Weber", "joplin": "Scott Joplin",
    "ciconia": "Johannes Ciconia", "beach": "Amy Beach", "liliuokalani": "Liliʻuokalani",
    "essenFolksong": "Essen folk songs (traditional, anonymous)",
    "oneills1850": "O'Neill's Music of Ireland, 1850 (traditional)",
    "ryansMammoth": "Ryan's Mammoth Collection (traditional)",
    "airdsAirs": "Aird's Airs (traditional)",
    "nottingham-dataset": "Nottingham folk music database (traditional)",
    "miscFolk": "Miscellaneous folk tunes (traditional)",
    DEMO_SONGBOOK: "Demo Songbook (a fictional writer, demo)",
}

# Collections large enough that a demo wants only a handful by default.
FOLK_BOOKS = ("essenFolksong", "oneills1850", "ryansMammoth", "airdsAirs", "nottingham-dataset")

#: The documented consent fixture (docs/catalog.md): writer parties' own choices (demo).
CONSENT_FIXTURE = {
    "default": "opted in to train and style from the start",
    "essenFolksong": "opted in to train, never to style",
    "ryansMammoth": "never opted in",
    "oneills1850": "opted in to train and style, revoked train from 2026-06-01",
}
REVOKE_AT = "2026-06-01T00:00:00Z"


def writer_id(collection: str) -> str:
    return f"writer-{collection.lower().replace('_', '-')}"


def writer_party(collection: str) -> dict:
    name = WRITER_NAMES.get(collection, collection)
    return {"id": writer_id(collection), "name": name, "roles": ["songwriter"]}


def writer_consents(collection: str, start: datetime) -> list[dict]:
    """The consent events of a collection's writer party, following CONSENT_FIXTURE."""
    wid, t0 = writer_id(collection), fmt(start)
    why = "demo consent fixture: "
    if collection == "ryansMammoth":
        return []
    if collection == "essenFolksong":
        return [{"id": f"{wid}-train-optin", "party": wid, "use": "train", "action": "opt_in",
                 "effective_at": t0, "reason": why + CONSENT_FIXTURE[collection]}]
    out = [{"id": f"{wid}-{use}-optin", "party": wid, "use": use, "action": "opt_in",
            "effective_at": t0, "reason": why + CONSENT_FIXTURE.get(collection,
                                                                    CONSENT_FIXTURE["default"])}
           for use in ("train", "style")]
    if collection == "oneills1850":
        out.append({"id": f"{wid}-train-revoke", "party": wid, "use": "train",
                    "action": "revoke", "effective_at": REVOKE_AT,
                    "reason": why + CONSENT_FIXTURE[collection]})
    return out


def writers_document(collections: list[str], start: datetime) -> dict:
    """A rights document of the collections' writer parties and their consent fixture."""
    return {"accord_rights_document": 1,
            "parties": [writer_party(c) for c in collections],
            "consents": [c for col in collections for c in writer_consents(col, start)]}


def setup_document(start: datetime) -> dict:
    """Encoders (real terms), the demo publisher and label, and their agreements."""
    t0 = fmt(start)
    parties = [{"id": lic.encoder_id, "name": lic.encoder_name, "roles": ["publisher"]}
               for lic in ALL_LICENCES]
    parties += [
        {"id": DEMO_PUBLISHER, "name": "Old Quire Music Publishing (demo publisher)",
         "roles": ["publisher"], "demo": True},
        {"id": DEMO_LABEL, "name": "Gramophone Moon Records (demo label)", "roles": ["label"],
         "demo": True},
    ]
    agreements = [
        {"id": f"agr-{lic.tag}", "licensor": lic.encoder_id, "uses": ["train", "style"],
         "purpose": lic.purpose, "catalogue": "all", "valid_from": t0,
         "title": f"Encoding licence {lic.tag} ({lic.source})",
         "revenue_terms": {"licence": lic.tag, "source": lic.source}}
        for lic in ALL_LICENCES]
    agreements += [
        {"id": "demo-agr-old-quire-ai", "licensor": DEMO_PUBLISHER, "uses": ["train", "style"],
         "purpose": "commercial", "catalogue": "all", "valid_from": t0, "demo": True,
         "title": "Old Quire AI licence (demo)"},
        {"id": "demo-agr-gramophone-moon-ai", "licensor": DEMO_LABEL,
         "uses": ["train", "style", "dj"], "purpose": "commercial", "catalogue": "all",
         "valid_from": t0, "demo": True, "title": "Gramophone Moon AI licence (demo)"},
    ]
    return {"accord_rights_document": 1, "parties": parties, "agreements": agreements}


def collections_of_corpus() -> list[str]:
    """The bundled corpus's collections (its top-level folders), sorted."""
    return sorted(d.name for d in corpus_root().iterdir()
                  if d.is_dir() and not d.name.startswith(("_", ".")))


def corpus_files(collections: list[str] | None = None) -> list[tuple[str, Path]]:
    """(collection, path) of every symbolic file of the bundled corpus, in a stable order."""
    root = corpus_root()
    known = collections_of_corpus()
    chosen = collections if collections else known
    unknown = [c for c in chosen if c not in known]
    if unknown:
        from accord.errors import InvalidInput

        raise InvalidInput(f"unknown corpus collection(s): {', '.join(unknown)}; "
                           f"known: {', '.join(known)}")
    out = []
    for c in chosen:
        for p in sorted((root / c).rglob("*")):
            if p.is_file() and p.suffix.lower() in SYMBOLIC_SUFFIXES:
                out.append((c, p))
    return out
