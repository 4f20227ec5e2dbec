"""Likeness at the edge: voice embeddings (Resemblyzer's pretrained speaker encoder, whose
weights ship inside its wheel: nothing is downloaded) and style vectors (attribution's
embedding of a melody, reused through attribution's service: there is no second one).

Voice similarity is the cosine of two 256-dimensional utterance embeddings; the rule
(accord.trust.rules.impersonation.voice) compares it with its threshold. It is evidence for a
human decision, never proof: a cover singer or a sibling can come close.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

VOICE_RATE = 16000


@lru_cache(maxsize=1)
def _encoder():
    from resemblyzer import VoiceEncoder

    return VoiceEncoder(device="cpu", verbose=False)


def voice_embedding(samples: np.ndarray, sr: int, max_s: float = 60.0) -> np.ndarray:
    """The unit speaker embedding of (at most the first max_s seconds of) a recording."""
    from resemblyzer import preprocess_wav

    wav = preprocess_wav(np.asarray(samples[: int(max_s * sr)], dtype=np.float32),
                         source_sr=sr)
    if len(wav) < VOICE_RATE // 2:  # less than half a second of voice after trimming
        return np.zeros(256, dtype=np.float32)
    return _encoder().embed_utterance(wav)


def cosine(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0


def style_vector(notes) -> np.ndarray:
    from accord.attribution.service import style_vector as attribution_style

    return attribution_style(notes)
