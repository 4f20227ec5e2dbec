"""The quad-hash fingerprint index: persistence, refusals, and robustness on synthetic music.

Synthetic "tracks" are note sequences (harmonic tones with envelopes, random onsets and pitches)
rendered from a seed, so a pitch shift or a tempo change is rendered exactly by scaling the
frequencies or the times; a speed change is a plain resampling of the rendered audio."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import signal

from accord.errors import InvalidInput, NotFound
from accord.trust.fingerprint import FingerprintIndex, Match
from accord.trust.fingerprint import index as index_mod
from accord.trust.fingerprint import match as matching
from accord.trust.fingerprint import peaks as peaks_mod
from accord.trust.fingerprint import quads as quads_mod
from accord.trust.fingerprint import verify as verify_mod

SR = 16000


def track(seed: int, seconds: float = 30.0, *, time_scale: float = 1.0,
          pitch_scale: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n_notes = int(seconds * 9)
    onsets = np.sort(rng.uniform(0, seconds - 0.7, n_notes))
    lengths = rng.uniform(0.15, 0.6, n_notes)
    f0s = np.exp(rng.uniform(np.log(160), np.log(1100), n_notes))
    out = np.zeros(int(seconds * time_scale * SR) + SR)
    for on, ln, f0 in zip(onsets, lengths, f0s, strict=True):
        n = int(ln * time_scale * SR)
        tt = np.arange(n) / SR
        env = np.minimum(1, tt / 0.01) * np.exp(-tt / (ln * time_scale * 0.6))
        tone = sum((0.6 ** h) * np.sin(2 * np.pi * f0 * pitch_scale * (h + 1) * tt)
                   for h in range(2))
        start = int(on * time_scale * SR)
        out[start:start + n] += env * tone
    out += rng.normal(0, 0.002, out.shape)
    return (out / np.abs(out).max() * 0.6).astype(np.float32)


def excerpt(x: np.ndarray, start_s: float, seconds: float) -> np.ndarray:
    return x[int(start_s * SR):int((start_s + seconds) * SR)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("fp") / "index"
    idx = FingerprintIndex.create(path)
    with idx.batch():
        for seed in range(4):
            assert idx.add(f"track-{seed}", track(seed), SR) > 100
    return path


def test_an_exact_excerpt_is_found_at_its_offset(built):
    idx = FingerprintIndex.open(built)
    assert len(idx) == 4 and "track-2" in idx
    found = idx.query(excerpt(track(2), 6.0, 10.0), SR)
    assert found and isinstance(found[0], Match)
    best = found[0]
    assert best.track_id == "track-2"
    assert best.offset_s == pytest.approx(6.0, abs=0.1)
    assert best.time_ratio == pytest.approx(1.0, abs=0.02)
    assert best.pitch_ratio == pytest.approx(1.0, abs=0.01)
    assert 0.5 < best.score <= 1.0
    assert [m.track_id for m in found] == ["track-2"]


@pytest.mark.parametrize(("time_scale", "pitch_scale"), [
    (1.0, 2 ** (2 / 12)), (1.0, 2 ** (-2 / 12)), (1.05, 1.0), (0.95, 1.0)],
    ids=["pitch+2st", "pitch-2st", "tempo-5%", "tempo+5%"])
def test_pitch_and_tempo_changes_are_found_with_their_ratios(built, time_scale, pitch_scale):
    idx = FingerprintIndex.open(built)
    query = excerpt(track(1, time_scale=time_scale, pitch_scale=pitch_scale),
                    5.0 * time_scale, 12.0)
    best = idx.query(query, SR)[0]
    assert best.track_id == "track-1"
    assert best.pitch_ratio == pytest.approx(pitch_scale, rel=0.01)
    assert best.time_ratio == pytest.approx(time_scale, rel=0.02)
    assert best.offset_s == pytest.approx(5.0, abs=0.3)


def test_a_speed_change_scales_time_and_pitch_together(built):
    idx = FingerprintIndex.open(built)
    # resampling 16000 -> 15238 and playing at 16000 is 5% faster and 5% higher
    fast = signal.resample_poly(excerpt(track(3), 4.0, 12.0), 20, 21).astype(np.float32)
    best = idx.query(fast, SR)[0]
    assert best.track_id == "track-3"
    assert best.pitch_ratio == pytest.approx(1.05, rel=0.01)
    assert best.time_ratio == pytest.approx(1 / 1.05, rel=0.02)


def test_noise_at_10_db_snr_and_stereo_input_are_found(built):
    idx = FingerprintIndex.open(built)
    clip = excerpt(track(0), 10.0, 12.0)
    noise = np.random.default_rng(9).normal(0, np.sqrt(np.mean(clip ** 2) / 10), clip.shape)
    stereo = np.stack([clip + noise, clip + noise], axis=1)
    assert idx.query(stereo, SR)[0].track_id == "track-0"


def test_audio_that_was_never_indexed_matches_nothing(built):
    idx = FingerprintIndex.open(built)
    assert idx.query(excerpt(track(77), 3.0, 10.0), SR) == []
    assert idx.query(np.random.default_rng(1).normal(0, 0.1, SR * 8), SR) == []


def test_adding_persists_and_reopening_sees_it(built, tmp_path):
    path = tmp_path / "copy"
    idx = FingerprintIndex.create(path)
    added = idx.add("solo", track(5, 12.0), SR)
    assert added > 0 and len(idx) == 1
    again = FingerprintIndex.open(path)
    assert len(again) == 1 and again.hash_count == added
    assert again.query(excerpt(track(5, 12.0), 1.0, 10.0), SR)[0].track_id == "solo"
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["tracks"] == ["solo"] and len(manifest["segments"]) == 1


def test_many_small_adds_are_compacted_and_still_match(tmp_path, monkeypatch):
    monkeypatch.setattr(index_mod, "MAX_SEGMENTS", 2)
    idx = FingerprintIndex.create(tmp_path / "i")
    total = sum(idx.add(f"t{s}", track(s, 12.0), SR) for s in range(3))
    manifest = json.loads((tmp_path / "i" / "manifest.json").read_text())
    assert len(manifest["segments"]) == 1
    assert idx.hash_count == total
    assert sorted(p.name for p in (tmp_path / "i").iterdir() if p.is_dir()) == manifest["segments"]
    assert idx.query(excerpt(track(1, 12.0), 1.0, 10.0), SR)[0].track_id == "t1"


def test_a_failed_batch_writes_nothing(tmp_path):
    idx = FingerprintIndex.create(tmp_path / "i")
    with pytest.raises(RuntimeError), idx.batch():
        idx.add("a", track(1, 6.0), SR)
        raise RuntimeError("crash inside the batch")
    assert len(FingerprintIndex.open(tmp_path / "i")) == 0
    assert not [p for p in (tmp_path / "i").iterdir() if p.is_dir()]


def test_refusals_name_the_problem(tmp_path):
    with pytest.raises(NotFound, match="no fingerprint index"):
        FingerprintIndex.open(tmp_path / "missing")
    idx = FingerprintIndex.create(tmp_path / "i")
    with pytest.raises(InvalidInput, match="already exists"):
        FingerprintIndex.create(tmp_path / "i")
    idx.add("a", track(1, 6.0), SR)
    with pytest.raises(InvalidInput, match="already in the fingerprint index"):
        idx.add("a", track(2, 6.0), SR)
    with pytest.raises(InvalidInput, match="track id"):
        idx.add("", track(2, 6.0), SR)
    with pytest.raises(InvalidInput, match="shorter than"):
        idx.add("b", np.zeros(100, np.float32), SR)
    with pytest.raises(InvalidInput, match="NaN"):
        idx.query(np.full(SR * 2, np.nan), SR)
    with pytest.raises(InvalidInput, match="sample rate"):
        idx.query(track(1, 6.0), 100)
    with pytest.raises(InvalidInput, match="shape"):
        idx.query(np.zeros((2, 2, SR)), SR)
    with pytest.raises(InvalidInput, match="top"):
        idx.query(track(1, 6.0), SR, top=0)
    with pytest.raises(InvalidInput, match="longer than"):
        idx.query(np.zeros(8000 * (peaks_mod.MAX_DURATION_S + 1), np.float32), 8000)
    manifest = json.loads((tmp_path / "i" / "manifest.json").read_text())
    manifest["params"]["qbins"] = 99
    (tmp_path / "i" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InvalidInput, match="other parameters"):
        FingerprintIndex.open(tmp_path / "i")


def test_quad_coordinates_do_not_change_when_time_and_frequency_are_scaled():
    t = np.array([0, 10, 18, 30], np.int32)  # A, C, D, B
    f = np.array([100.0, 130.0, 115.0, 160.0], np.float32)
    s = np.array([10, 9, 8, 7], np.float32)
    base = quads_mod.build(peaks_mod.Peaks(t, f, s))
    scaled = quads_mod.build(peaks_mod.Peaks(t * 1, f * 1.12, s))
    stretched = quads_mod.build(peaks_mod.Peaks(t * 3 // 2, f, s))  # exact: t is even
    assert len(base) == 1
    np.testing.assert_allclose(base.coords, scaled.coords, atol=1e-6)
    np.testing.assert_allclose(base.coords, stretched.coords, atol=1e-6)
    assert base.coords[0].tolist() == pytest.approx([1 / 3, 0.5, 0.6, 0.25])
    # every probe set of a quad contains the key it is stored under
    probe, owner = quads_mod.probe_keys(base)
    assert quads_mod.keys(base)[0] in probe and set(owner.tolist()) == {0}


def test_bulk_adds_give_each_quad_and_peak_its_track(tmp_path):
    idx = FingerprintIndex.create(tmp_path / "i")
    pk = [peaks_mod.extract(track(s, 12.0), SR) for s in (1, 2)]
    parts = [quads_mod.build(p) for p in pk]
    both = quads_mod.Quads(*(np.concatenate([getattr(p, f) for p in parts])
                             for f in ("coords", "t", "width", "height", "f_root")))
    peaks = peaks_mod.Peaks(*(np.concatenate([getattr(p, f) for p in pk])
                              for f in ("t", "f", "strength")))
    owner = np.repeat([0, 1], [len(parts[0]), len(parts[1])])
    peak_owner = np.repeat([0, 1], [len(pk[0]), len(pk[1])])
    assert idx.add_many(["one", "two"], both, owner, peaks, peak_owner) == len(both)
    best = idx.query(excerpt(track(2, 12.0), 1.0, 10.0), SR)[0]
    assert best.track_id == "two" and best.score > 0.8
    with pytest.raises(InvalidInput, match="each quad"):
        idx.add_many(["x"], both, owner, peaks, np.zeros(len(peaks), np.int64))
    with pytest.raises(InvalidInput, match="each peak"):
        idx.add_many(["x", "y"], both, owner, peaks, np.zeros(3, np.int64))
    with pytest.raises(InvalidInput, match="already indexed"):
        idx.add_many(["one"], parts[0], np.zeros(len(parts[0]), np.int64), pk[0],
                     np.zeros(len(pk[0]), np.int64))
    assert len(FingerprintIndex.open(tmp_path / "i")) == 2


def test_verification_counts_the_query_peaks_that_land_on_reference_peaks():
    r_t = np.array([10, 20, 30, 40, 50], np.int32)
    r_f = np.array([100.0, 120.0, 140.0, 160.0, 180.0], np.float32)
    # the query: the same peaks 5% faster (g = 1.05), +1 semitone, starting at frame 10, plus
    # one peak that is nowhere in the reference
    pitch, g = 2 ** (1 / 12), 1.05
    q_t = np.append((r_t - 10) / g, 25.0)
    q_f = np.append(r_f * pitch, 300.0)
    def aligned(offset, pitch_ratio):
        v = verify_mod.check(q_t, q_f, r_t, r_f, offset, g, pitch_ratio)
        return v.aligned, v.counted

    assert aligned(10.0, pitch) == (5, 6)
    # a wrong hypothesis (no pitch shift) aligns nothing
    assert aligned(10.0, 1.0) == (0, 6)
    # peaks that map outside the reference's span are not counted
    assert aligned(1000.0, pitch) == (0, 0)
    assert verify_mod.score(5, 6) == 0.0  # too few peaks counted to judge
    assert verify_mod.score(30, 40) == 0.75


def test_verification_reports_coverage_and_the_weakest_window():
    fps = 62.5  # frames a second
    # a reference of 20 s with a peak every 0.1 s on a little melody
    r_t = np.arange(0, 20 * fps, fps / 10).astype(np.int32)
    r_f = (100.0 + 10.0 * (np.arange(r_t.shape[0]) % 7)).astype(np.float32)
    order = np.argsort(r_t)
    r_t, r_f = r_t[order], r_f[order]
    # a copy of seconds 2-14: every window verifies, the whole query lies inside
    sel = (r_t >= 2 * fps) & (r_t < 14 * fps)
    q_t, q_f = r_t[sel] - 2 * fps, r_f[sel]
    v = verify_mod.check(q_t, q_f, r_t, r_f, 2 * fps, 1.0, 1.0)
    assert (v.aligned, v.counted, v.query_peaks) == (sel.sum(), sel.sum(), sel.sum())
    assert v.coverage == 1.0 and v.weakest == 1.0
    # the same query placed 8 s before the reference's end: only its first 8 s are inside
    v = verify_mod.check(q_t, q_f, r_t, r_f, 12 * fps, 1.0, 1.0)
    assert 0.6 < v.coverage < 0.7
    # a query whose last 4 s are other music: the overall share stays high, the weakest
    # window (4 s) shows the part that does not verify
    other = q_t >= 8 * fps
    q_f2 = np.where(other, q_f + 37.0, q_f)
    v = verify_mod.check(q_t, q_f2, r_t, r_f, 2 * fps, 1.0, 1.0)
    assert v.aligned / v.counted == pytest.approx(1 - other.mean())
    assert v.weakest == 0.0
    # windows with too few counted peaks do not count; with fewer than two windows left the
    # weakest is the overall share
    v = verify_mod.check(q_t[:15], q_f[:15], r_t, r_f, 2 * fps, 1.0, 1.0)
    assert v.weakest == 1.0 and v.counted == 15
    assert verify_mod.check(q_t[:0], q_f[:0], r_t, r_f, 0.0, 1.0, 1.0).coverage == 0.0


def _melody_peaks(seconds: float, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Reference peaks of a sparse tune: three harmonics of a note every 0.25 s."""
    fps = 62.5
    rng = np.random.default_rng(seed)
    onsets = np.arange(0, seconds * fps, fps / 4)
    root = rng.choice(np.arange(30.0, 60.0, 2.0), onsets.shape[0])
    r_t = np.repeat(onsets, 3).astype(np.int32)
    r_f = (np.repeat(root, 3) * np.tile([1.0, 2.0, 3.0], onsets.shape[0])).astype(np.float32)
    return r_t, r_f


def test_refine_recovers_a_time_scale_the_vote_got_wrong():
    fps = 62.5
    r_t, r_f = _melody_peaks(60.0)
    # the query: seconds 20-35 played 1.2% fast (g = 1.012 reference frames a query frame)
    g_true, off_true = 1.012, 20 * fps
    sel = (r_t >= off_true) & (r_t < off_true + 15 * fps * g_true)
    q_t = np.rint((r_t[sel] - off_true) / g_true).astype(np.int32)
    q_f = r_f[sel]
    # the vote's line: right in the middle, time scale 1.0 (1.2% off: 5 frames at either end)
    mid = float(np.median(q_t))
    off_vote = off_true + g_true * mid - 1.0 * mid
    before = verify_mod.check(q_t, q_f, r_t, r_f, off_vote, 1.0, 1.0)
    off, g = verify_mod.refine(q_t, q_f, r_t, r_f, off_vote, 1.0, 1.0)
    after = verify_mod.check(q_t, q_f, r_t, r_f, off, g, 1.0)
    assert before.aligned / before.counted < 0.75
    assert g == pytest.approx(g_true, abs=0.003)
    assert off == pytest.approx(off_true, abs=verify_mod.TIME_TOL)
    assert after.aligned == after.counted  # every peak lands again
    # an offset a few frames off is corrected too, and a right line is left as it is
    assert verify_mod.refine(q_t, q_f, r_t, r_f, off_true + 7, g_true, 1.0) == \
        pytest.approx((off_true, g_true), abs=verify_mod.TIME_TOL)
    exact = (float(off_true), g_true)
    assert verify_mod.refine(q_t, q_f, r_t, r_f, *exact, 1.0) == exact


def test_refine_is_a_local_search():
    fps = 62.5
    r_t, r_f = _melody_peaks(60.0)
    sel = (r_t >= 20 * fps) & (r_t < 35 * fps)
    q_t, q_f = r_t[sel] - int(20 * fps), r_f[sel]
    # a line one second off the true one: the search does not reach it
    off, g = verify_mod.refine(q_t, q_f, r_t, r_f, 21 * fps, 1.0, 1.0)
    mid = float(np.median(q_t))
    assert abs(g - 1.0) <= verify_mod.REFINE_G_SPAN + 1e-9
    assert abs((off + g * mid) - (21 * fps + mid)) <= verify_mod.REFINE_FRAMES
    # nothing to pair: the line is returned unchanged
    assert verify_mod.refine(q_t, q_f + 500.0, r_t, r_f, 21 * fps, 1.0, 1.0) == (21 * fps, 1.0)
    assert verify_mod.refine(q_t[:0], q_f[:0], r_t, r_f, 5.0, 1.0, 1.0) == (5.0, 1.0)


def test_acceptance_asks_for_coverage_and_every_window_unless_the_votes_are_overwhelming():
    lim = index_mod.LIMITS
    ok = dict(votes=10, verified=0.9, coverage=1.0, weakest=0.8)
    assert index_mod.accepted(*ok.values())
    # most of the query must lie inside the reference
    assert not index_mod.accepted(10, 0.9, lim["min_coverage"] - 0.01, 0.8)
    assert index_mod.accepted(10, 0.9, lim["min_coverage"], 0.8)
    # a window that does not verify (a shared cadence, the rest another tune) ...
    low = lim["min_weakest"] - 0.01
    assert not index_mod.accepted(10, 0.9, 1.0, low)
    # ... is waived for a line with overwhelming quad evidence (dense recordings)
    assert index_mod.accepted(lim["exempt_hashes"], 0.9, 1.0, low)
    # the share tiers still apply
    assert not index_mod.accepted(10, lim["min_verified"] - 0.01, 1.0, 1.0)
    assert index_mod.accepted(lim["strong_hashes"], lim["strong_verified"], 1.0, 1.0)
    # limits override by name; unknown names are refused
    assert index_mod.accepted(10, 0.9, 0.1, 0.0, min_coverage=0.0, min_weakest=0.0)


def test_a_query_that_only_partly_overlaps_a_recording_is_not_a_match(built):
    idx = FingerprintIndex.open(built)
    # the last 4 s of track-2, then 8 s of a track the index does not hold
    part = np.concatenate([excerpt(track(2), 26.0, 4.0), excerpt(track(9), 0.0, 8.0)])
    assert idx.query(part, SR) == []
    seen = idx.query(part, SR, min_coverage=0.0, min_weakest=0.0)
    assert seen and seen[0].track_id == "track-2"
    assert seen[0].coverage < index_mod.MIN_COVERAGE or seen[0].weakest < index_mod.MIN_WEAKEST
    with pytest.raises(TypeError, match="unknown limits"):
        idx.query(part, SR, min_cover=0.0)


def test_an_unrelated_track_that_wins_the_vote_is_refused_by_verification(built):
    idx = FingerprintIndex.open(built)
    clip = excerpt(track(2), 6.0, 10.0)
    found = idx.query(clip, SR, min_hashes=1, min_verified=0.0, top=4)
    right = [m for m in found if m.track_id == "track-2"]
    wrong = [m for m in found if m.track_id != "track-2"]
    assert right and right[0].score > 0.8
    assert all(m.score < 0.3 for m in wrong)
    assert [m.track_id for m in idx.query(clip, SR, min_hashes=1)] == ["track-2"]


def sparse_tune(seed: int, seconds: float = 20.0) -> np.ndarray:
    """One note at a time with rests between notes: the demo catalogue's one-line tunes."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR))
    t = 0.3
    while t < seconds - 1:
        ln, f0 = rng.uniform(0.2, 0.5), np.exp(rng.uniform(np.log(200), np.log(800)))
        tt = np.arange(int(ln * SR)) / SR
        env = np.minimum(1, tt / 0.01) * np.exp(-tt / (ln * 0.5))
        out[int(t * SR):int(t * SR) + tt.shape[0]] += env * sum(
            (0.5 ** h) * np.sin(2 * np.pi * f0 * (h + 1) * tt) for h in range(4))
        t += ln + rng.uniform(0.1, 0.6)
    return (out / np.abs(out).max() * 0.5).astype(np.float32)


def _landing_share(a: peaks_mod.Peaks, b: peaks_mod.Peaks) -> float:
    """The share of a's peaks with a peak of b within 3 frames and 1.5 bins."""
    return float(np.mean([((np.abs(b.t - t) <= 3) & (np.abs(b.f - f) <= 1.5)).any()
                          for t, f in zip(a.t, a.f, strict=True)]))


def test_the_noise_floor_keeps_a_sparse_tunes_peaks_and_drops_the_noises(monkeypatch):
    clean = sparse_tune(3)
    noise = np.random.default_rng(4).normal(0, np.sqrt(np.mean(clean ** 2) / 10),
                                            clean.shape).astype(np.float32)
    ref = peaks_mod.extract(clean, SR)
    noisy = peaks_mod.extract(clean + noise, SR)
    only_noise = peaks_mod.extract(noise, SR)
    # white noise at 10 dB SNR: most peaks of the noisy tune are the tune's own, and noise alone
    # (the rests) yields few peaks, far below the density cap
    assert _landing_share(noisy, ref) > 0.6 and _landing_share(ref, noisy) > 0.6
    assert len(only_noise) < 0.3 * peaks_mod.PEAKS_PER_S * 20
    # without the per-bin floor and the local-power rule, the noise's peaks fill the rests up to
    # the cap
    monkeypatch.setattr(peaks_mod, "FLOOR_DB", -np.inf)
    monkeypatch.setattr(peaks_mod, "LOCAL_DB", np.inf)
    assert _landing_share(peaks_mod.extract(clean + noise, SR), ref) < 0.4
    assert len(peaks_mod.extract(noise, SR)) > 0.9 * peaks_mod.PEAKS_PER_S * 20


def test_a_peak_far_below_the_local_power_is_dropped(monkeypatch):
    # a loud tone, a tone 15 dB below it and one 35 dB below it: white noise at 10 dB SNR
    # buries the third (~40 dB below the signal's power per bin), so no fingerprint uses it
    # (repeated decaying notes: a steady tone is its own bin's noise floor)
    tt = np.arange(8 * SR) / SR
    gate = ((tt % 0.8) < 0.3) * np.exp(-(tt % 0.8) / 0.3)
    x = gate * sum(a * np.sin(2 * np.pi * f * tt) for a, f in ((0.5, 440.0),
                                                               (0.5 * 10 ** (-15 / 20), 1000.0),
                                                               (0.5 * 10 ** (-35 / 20), 2000.0)))
    x = x.astype(np.float32)

    def found(p: peaks_mod.Peaks, hz: float) -> bool:
        return bool((np.abs(p.f * peaks_mod.BIN_HZ - hz) < 2 * peaks_mod.BIN_HZ).any())

    p = peaks_mod.extract(x, SR)
    assert found(p, 440.0) and found(p, 1000.0) and not found(p, 2000.0)
    monkeypatch.setattr(peaks_mod, "LOCAL_DB", np.inf)
    assert found(peaks_mod.extract(x, SR), 2000.0)


def test_a_reference_stores_denser_peaks_and_builds_quads_from_the_loudest():
    x = track(3, 12.0)
    dense = peaks_mod.extract(x, SR, per_s=peaks_mod.VERIFY_PEAKS_PER_S)
    sparse = peaks_mod.extract(x, SR)
    thinned = peaks_mod.loudest(dense, peaks_mod.PEAKS_PER_S)
    assert len(dense) > len(sparse)
    np.testing.assert_array_equal(thinned.t, sparse.t)
    np.testing.assert_array_equal(thinned.f, sparse.f)
    per_second = np.bincount(sparse.t // int(peaks_mod.FRAMES_PER_S))
    assert per_second.max() <= peaks_mod.PEAKS_PER_S


def test_a_match_needs_votes_and_verified_peaks_in_one_of_two_tiers():
    h, v = index_mod.MIN_HASHES, index_mod.MIN_VERIFIED
    sh, sv = index_mod.STRONG_HASHES, index_mod.STRONG_VERIFIED
    assert sh > h and sv < v
    assert index_mod.accepted(h, v) and not index_mod.accepted(h - 1, 1.0)
    assert not index_mod.accepted(sh - 1, sv)  # few quads need the high share
    assert index_mod.accepted(sh, sv) and not index_mod.accepted(1000, sv - 0.01)


def test_an_index_of_an_older_format_is_refused(tmp_path):
    idx = FingerprintIndex.create(tmp_path / "i")
    idx.add("a", track(1, 6.0), SR)
    manifest = json.loads((tmp_path / "i" / "manifest.json").read_text())
    manifest["format"] = index_mod.FORMAT - 1
    (tmp_path / "i" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InvalidInput, match="rebuild it"):
        FingerprintIndex.open(tmp_path / "i")


def test_a_repeated_passage_gives_each_repeat_a_line_and_verification_picks_one():
    rng = np.random.default_rng(0)
    q_t = np.sort(rng.integers(0, 900, 60)).astype(np.int64)
    # every query quad hits the reference twice: at offset 500 (its true place) and at offset
    # 2000 (a repeat), with one stray vote more for the repeat
    owner = np.concatenate([np.arange(60), np.arange(60), [0]])
    r_t = np.concatenate([q_t + 500, q_t + 2000, [q_t[0] + 2000 + 3]])
    ones = np.ones(owner.shape[0], np.float32)
    c = matching.Candidates(owner=owner, track=np.zeros(owner.shape[0], np.int64),
                            q_t=q_t[owner], r_t=r_t, time_scale=ones, freq_scale=ones)
    found = matching.best_lines(c, 3)
    offsets = sorted(round(line[1]) for line in found[:2])
    assert offsets == [500, 2000]
    assert sorted(round(m.offset) for m in matching.lines(c, min_hashes=10)) == [500, 2000]


def test_probes_are_each_quads_cell_and_its_nearer_neighbours_in_mask_order():
    rng = np.random.default_rng(3)
    n = 200  # coordinates near cell edges and keys at the edges of the key space included
    coords = rng.random((n, 4)).astype(np.float32)
    coords[:20] = np.round(coords[:20] * quads_mod.QBINS) / quads_mod.QBINS
    coords[20:30] = 1.0
    q = quads_mod.Quads(coords=coords, t=rng.integers(0, 900, n).astype(np.int32),
                        width=rng.integers(0, 400, n).astype(np.int32),
                        height=rng.normal(0, 300, n).astype(np.float32),
                        f_root=rng.uniform(0, 3000, n).astype(np.float32))
    probe, owner = quads_mod.probe_keys(q)
    cont, sign = quads_mod._cells(q)
    sizes = quads_mod._SIZES
    want_keys, want_owner = [], []
    for i in range(n):
        base = np.clip(np.floor(cont[i]).astype(np.int64), 0, sizes - 1)
        frac = cont[i] - np.floor(cont[i])
        step = np.where(frac < 0.5, -1, 1)
        step[:4] *= np.minimum(frac[:4], 1 - frac[:4]) < quads_mod.PROBE_MARGIN
        for mask in range(2 ** 7):
            bits = (mask >> np.arange(7)) & 1
            if (bits & (step == 0)).any():
                continue  # moving a dimension that does not step repeats another probe
            cells = np.clip(base + bits * step, 0, sizes - 1)
            want_keys.append(int(quads_mod._pack(cells[None], sign[i:i + 1])[0]))
            want_owner.append(i)
    assert probe.dtype == np.uint32 and probe.tolist() == want_keys
    assert owner.tolist() == want_owner


def test_a_segment_lookup_gives_each_probes_postings_in_key_order(built):
    seg = FingerprintIndex.open(built)._segments[0]
    keys = np.asarray(seg.keys)
    starts = np.asarray(seg.starts)
    rng = np.random.default_rng(5)
    # stored keys (some twice), absent keys, and the extremes of the key space
    probe = np.concatenate([rng.choice(keys, 300), keys[:3], keys[-2:], keys[:3],
                            [0, 2 ** 32 - 1], rng.integers(0, 2 ** 32, 50)]).astype(np.uint32)
    rng.shuffle(probe)
    cap = max(index_mod.HOT_KEY_MIN, index_mod.HOT_KEY_FACTOR * len(seg) / keys.shape[0])
    want = []
    for i, k in enumerate(probe.tolist()):
        j = int(np.searchsorted(keys, k))
        if j < keys.shape[0] and keys[j] == k and starts[j + 1] - starts[j] <= cap:
            want += [(i, e) for e in range(starts[j], starts[j + 1])]
    order = np.argsort(probe, kind="stable")
    hit, lo, n = seg.runs(probe[order])
    i, entry = np.repeat(hit, n), index_mod._entries(lo, n, len(seg))
    entry_key = np.repeat(keys, np.diff(starts))[entry]
    assert np.all(np.diff(entry_key.astype(np.int64)) >= 0)  # postings read in key order
    assert sorted(zip(order[i].tolist(), entry.tolist(), strict=True)) == want


def test_only_the_voted_tracks_candidates_decide_the_lines():
    rng = np.random.default_rng(7)
    n_tracks = 25  # more than MAX_TRACKS_VERIFIED, with tied candidate counts
    per = np.repeat(np.arange(2, 2 + n_tracks // 5), 5)[:n_tracks] * 4
    track = np.repeat(np.arange(n_tracks), per)
    owner = rng.integers(0, 60, track.shape[0])
    q_t = rng.integers(0, 900, 60)[owner]
    r_t = q_t + 300 * track + rng.integers(-3, 4, track.shape[0])
    ones = np.ones(track.shape[0], np.float32)
    c = matching.Candidates(owner=owner, track=track, q_t=q_t, r_t=r_t, time_scale=ones,
                            freq_scale=ones)
    voted = matching.voted_tracks(np.bincount(track), 3)
    # the 15 with most candidates, a tie going to the lower track number
    assert voted.tolist() == [20, 21, 22, 23, 24, 15, 16, 17, 18, 19, 10, 11, 12, 13, 14]
    keep = np.isin(track, voted)
    sub = matching.Candidates(*(getattr(c, f)[keep]
                                for f in matching.Candidates.__dataclass_fields__))
    found = matching.lines(c, min_hashes=3)
    assert matching.lines(sub, min_hashes=3) == found
    assert {line.track for line in found} == set(voted.tolist())
