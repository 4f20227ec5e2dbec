"""Rendering an output's MIDI to audio at the edge: FluidSynth (libfluidsynth in process,
through pyfluidsynth) with the Debian General MIDI soundfont, loudness normalised to -14 LUFS
(ITU-R BS.1770 via pyloudnorm), written as WAV and FLAC (soundfile) and MP3 (LAME in process,
through lameenc).

Why in process: the `fluidsynth` command loads the 148 MB soundfont on every call (about 0.5 s
of a 16-bar piece's 1.5 s render on the 2-core machine). Here the soundfont is loaded once per
process by a synth that is kept (`_anchor`); every piece gets a fresh synth whose `sfload` hits
FluidSynth's shared sample cache, so its state never leaks from one piece to the next and the
same MIDI always gives the same samples (float output: no dither). Notes are scheduled from the
MIDI's notes (one tempo, as every Accord output has) and rendered with
`fluid_synth_write_float`, up to one second after the last note ends (RELEASE_S, faded out over
the last FADE_S).
"""

from __future__ import annotations

from ctypes import c_int, c_void_p
from pathlib import Path

import numpy as np
import symusic

from accord.atomic import write_bytes
from accord.errors import InvalidInput
from accord.music.soundfont import soundfont

TARGET_LUFS = -14.0
PEAK_CEILING = 0.97       # about -0.26 dBFS: room for MP3's inter-sample overshoot
SAMPLE_RATE = 44100
MP3_KBITS = 192
MP3_QUALITY = 7           # LAME's algorithm quality (0 best .. 9 fastest): 7 halves encoding
GAIN = 0.8                # FluidSynth's master gain (as `fluidsynth -g 0.8` before)
RELEASE_S = 1.0           # audio kept after the last note ends
FADE_S = 0.1


def loudness(data: np.ndarray, rate: int) -> float | None:
    import pyloudnorm

    if data.shape[0] < int(0.4 * rate):
        return None
    value = pyloudnorm.Meter(rate).integrated_loudness(data)
    return float(value) if np.isfinite(value) else None


def normalise(data: np.ndarray, rate: int, target: float = TARGET_LUFS) -> np.ndarray:
    """Gain to the target loudness; peaks above the ceiling are soft-limited and the gain is
    corrected once more, so the result lands within a fraction of a LU of the target."""
    return normalised(data, rate, target)[0]


def normalised(data: np.ndarray, rate: int, target: float = TARGET_LUFS
               ) -> tuple[np.ndarray, float | None]:
    """`normalise`, and the loudness of the result. A plain gain moves BS.1770 loudness by
    exactly its decibels, so the loudness is measured again only after the limiter acted."""
    out = data
    for _ in range(3):
        now = loudness(out, rate)
        if now is None:
            return out, None
        gain = target - now
        out = out * 10 ** (gain / 20)
        peak = float(np.max(np.abs(out))) if out.size else 0.0
        if peak <= PEAK_CEILING:
            return out, now + gain
        knee = PEAK_CEILING * 0.8  # soft knee: samples above it are squashed towards the ceiling
        over = np.abs(out) > knee
        room = PEAK_CEILING - knee
        out = np.where(over, np.sign(out) * (knee + room * np.tanh((np.abs(out) - knee) / room)),
                       out)
    out = np.clip(out, -PEAK_CEILING, PEAK_CEILING)
    return out, loudness(out, rate)


def render(midi: Path, out_dir: Path, stem: str, formats: tuple[str, ...]) -> dict[str, dict]:
    """Render, normalise and encode; returns format -> {path, loudness_lufs, duration_s}.
    Files are written inside `out_dir` (the caller renames the whole directory into place)."""
    import soundfile as sf

    out_dir.mkdir(parents=True, exist_ok=True)
    rate = SAMPLE_RATE
    data, measured = normalised(synthesize(midi, rate), rate)
    wav = out_dir / f"{stem}.wav"
    sf.write(str(wav), data, rate, subtype="PCM_16")
    result: dict[str, dict] = {}
    info = {"loudness_lufs": round(measured, 2) if measured is not None else None,
            "duration_s": round(data.shape[0] / rate, 3), "sample_rate": rate}
    if "flac" in formats:
        flac = out_dir / f"{stem}.flac"
        sf.write(str(flac), data, rate, subtype="PCM_16", format="FLAC")
        result["flac"] = {"path": flac, **info}
    if "mp3" in formats:
        mp3 = out_dir / f"{stem}.mp3"
        _mp3(data, rate, mp3)
        result["mp3"] = {"path": mp3, **info}
    if "wav" in formats:
        result["wav"] = {"path": wav, **info}
    else:
        wav.unlink()
    return result


_ANCHOR: list = []


def prepare() -> None:
    """Load the soundfont once (before rendering in several threads)."""
    _anchor()


def _anchor():
    """The kept synth that holds the soundfont in FluidSynth's sample cache (made once)."""
    import fluidsynth

    if not _ANCHOR:
        synth = fluidsynth.Synth(gain=GAIN, samplerate=float(SAMPLE_RATE), channels=16)
        if synth.sfload(str(soundfont())) < 0:
            raise InvalidInput(f"FluidSynth could not load {soundfont()}")
        write = fluidsynth._fl.fluid_synth_write_float
        write.argtypes = [c_void_p, c_int, c_void_p, c_int, c_int, c_void_p, c_int, c_int]
        write.restype = c_int
        _ANCHOR.append((synth, write))
    return _ANCHOR[0]


def synthesize(midi: Path | symusic.Score, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Stereo float samples (n, 2) of a one-tempo MIDI: each track on its own channel and
    General MIDI program (drum tracks on channel 10)."""
    import fluidsynth

    score = midi if isinstance(midi, symusic.Score) else symusic.Score(str(midi))
    _, write = _anchor()
    qpm = score.tempos[0].qpm if len(score.tempos) else 120.0
    per_tick = 60.0 / qpm / score.ticks_per_quarter * rate
    synth = fluidsynth.Synth(gain=GAIN, samplerate=float(rate), channels=16)
    try:
        sfid = synth.sfload(str(soundfont()))
        events = []  # (frame, 0 = off before 1 = on, channel, pitch, velocity)
        melodic = iter(c for c in range(16) if c != 9)
        for track in score.tracks:
            ch = 9 if track.is_drum else next(melodic, 15)
            synth.program_select(ch, sfid, 128 if track.is_drum else 0, track.program)
            for n in track.notes:
                on = round(n.time * per_tick)
                events.append((on, 1, ch, n.pitch, n.velocity))
                events.append((max(on + 1, round((n.time + n.duration) * per_tick)), 0, ch,
                               n.pitch, 0))
        events.sort()
        total = (events[-1][0] if events else 0) + int(RELEASE_S * rate)
        out = np.zeros((2, total), dtype=np.float32)
        done = 0
        for frame, kind, ch, pitch, vel in events:
            if frame > done:
                _write(write, synth, out, done, frame)
                done = frame
            if kind:
                synth.noteon(ch, pitch, vel)
            else:
                synth.noteoff(ch, pitch)
        _write(write, synth, out, done, total)
    finally:
        synth.delete()
    fade = min(total, int(FADE_S * rate))
    if fade:
        out[:, total - fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return out.T.astype(np.float64)


def _write(write, synth, out: np.ndarray, start: int, end: int) -> None:
    left, right = out[0, start:end], out[1, start:end]
    if end > start:
        write(synth.synth, end - start, left.ctypes.data, 0, 1, right.ctypes.data, 0, 1)


def _mp3(data: np.ndarray, rate: int, mp3: Path) -> None:
    """LAME in process (lameenc): 192 kbit/s CBR at algorithm quality 7, from the same 16-bit
    samples as the WAV. Deterministic: the same samples give the same bytes."""
    import lameenc

    pcm = np.clip(np.rint(data * 32767.0), -32768, 32767).astype("<i2")
    enc = lameenc.Encoder()
    enc.set_bit_rate(MP3_KBITS)
    enc.set_in_sample_rate(rate)
    enc.set_channels(pcm.shape[1])
    enc.set_quality(MP3_QUALITY)
    write_bytes(mp3, enc.encode(pcm.tobytes()) + enc.flush())
