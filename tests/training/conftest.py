"""Fixtures of the training tests: real folk songs from the music21 corpus, written as MIDI."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.training.corpus import write_essen
from accord.training.data import Piece
from accord.training.tokenizer import Tokenizer


@pytest.fixture(scope="session")
def essen_midi(tmp_path_factory) -> list[Path]:
    return write_essen(tmp_path_factory.mktemp("essen"), 24)


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    return Tokenizer.create()


@pytest.fixture(scope="session")
def pieces(essen_midi, tokenizer) -> list[Piece]:
    return [Piece(p.stem, tuple(tokenizer.encode(p))) for p in essen_midi]
