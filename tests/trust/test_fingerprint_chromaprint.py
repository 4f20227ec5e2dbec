"""Chromaprint layer: decoding the catalogue's compressed fingerprints and the bit-error matcher,
on real fpcalc output for synthetic audio files."""

from __future__ import annotations

import base64
import json
import subprocess

import numpy as np
import pytest
import soundfile as sf

from accord.catalog.audio import fingerprint
from accord.errors import InvalidInput
from accord.trust.fingerprint import chromaprint_match, decode, match_fingerprints, match_raw
from accord.trust.fingerprint.chromaprint import MIN_COVERAGE

SR = 22050


def music(seed: int, seconds: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR))
    for on in np.arange(0, seconds - 0.5, 0.25):
        f0 = 110 * 2 ** (rng.integers(0, 36) / 12)
        tt = np.arange(int(0.5 * SR)) / SR
        note = np.exp(-tt * 4) * sum(np.sin(2 * np.pi * f0 * h * tt) / h for h in (1, 2, 3))
        out[int(on * SR):int(on * SR) + tt.shape[0]] += note
    return (out / np.abs(out).max() * 0.5).astype(np.float32)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cp")
    full = music(1, 40.0)
    sf.write(d / "ref.wav", full, SR)
    sf.write(d / "excerpt.wav", full[int(12.0 * SR):int(27.0 * SR)], SR)
    sf.write(d / "other.wav", music(2, 15.0), SR)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(d / "excerpt.wav"), "-b:a", "64k",
                    str(d / "excerpt.mp3")], check=True)
    return d


def test_decoding_the_compressed_text_gives_fpcalcs_raw_items(files):
    # fpcalc may exit non-zero over a WAV file's end while printing the whole fingerprint
    raw = json.loads(subprocess.run(["fpcalc", "-raw", "-json", str(files / "ref.wav")],
                                    capture_output=True).stdout)["fingerprint"]
    decoded = decode(fingerprint(files / "ref.wav"))
    assert decoded.dtype == np.uint32
    assert decoded.tolist() == [v & 0xFFFFFFFF for v in raw]


def test_an_excerpt_and_its_mp3_are_found_at_their_offset(files):
    exact = chromaprint_match(files / "excerpt.wav", files / "ref.wav")
    assert exact is not None
    assert exact.bit_error_rate < 0.15
    assert exact.offset_s == pytest.approx(12.0, abs=0.25)
    assert exact.overlap_s > 10
    mp3 = chromaprint_match(files / "excerpt.mp3", files / "ref.wav")
    assert mp3 is not None and mp3.offset_s == pytest.approx(12.0, abs=0.25)
    assert mp3.bit_error_rate < 0.25


def test_unrelated_audio_is_no_match_and_its_error_rate_is_near_half(files):
    assert chromaprint_match(files / "other.wav", files / "ref.wav") is None
    near = match_fingerprints(fingerprint(files / "other.wav"), fingerprint(files / "ref.wav"),
                              max_ber=1.0)
    assert near is not None and near.bit_error_rate > 0.3


def test_the_matcher_slides_both_ways_and_needs_overlap():
    rng = np.random.default_rng(3)
    ref = rng.integers(0, 2 ** 32, 300, dtype=np.uint64).astype(np.uint32)
    early = np.concatenate([rng.integers(0, 2 ** 32, 20, dtype=np.uint64).astype(np.uint32),
                            ref[:60]])
    # 60 of the query's 80 items overlap the reference: under MIN_COVERAGE (0.8) of the shorter
    # fingerprint, so no match by default (a shared passage is not a copy) ...
    assert MIN_COVERAGE == 0.8 and match_raw(early, ref) is None
    # ... found, at its negative offset, when the coverage test is lowered
    found = match_raw(early, ref, min_coverage=0.5)
    assert found is not None and found.bit_error_rate == 0.0
    assert found.offset_s == pytest.approx(-20 * 4096 / 3 / 11025)
    # coverage: the compared items over the shorter fingerprint (60 of the query's 80)
    assert found.coverage == pytest.approx(60 / 80)
    assert match_raw(ref[50:130], ref).coverage == 1.0
    # 16 other items then the reference's first 64: 64 of 80 (exactly 0.8) is enough
    edge = np.concatenate([early[4:], ref[60:64]])
    assert edge.shape[0] == 80 and match_raw(edge, ref).coverage == pytest.approx(0.8)
    short = match_raw(ref[100:110], ref[100:105])  # shorter than MIN_OVERLAP: all of it
    assert short is not None and short.offset_s == 0.0 and short.bit_error_rate == 0.0
    assert match_raw(np.zeros(0, np.uint32), ref) is None


def test_malformed_fingerprints_are_refused(files):
    with pytest.raises(InvalidInput, match="not base64"):
        decode("@@@@ not base64 @@@@")
    with pytest.raises(InvalidInput, match="header"):
        decode(base64.urlsafe_b64encode(b"\x01").decode())
    good = fingerprint(files / "ref.wav")
    with pytest.raises(InvalidInput, match="truncated"):
        decode(good[:40])
    with pytest.raises(InvalidInput, match="fpcalc failed|cannot"):
        chromaprint_match(files / "missing.wav", files / "ref.wav")
