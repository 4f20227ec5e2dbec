"""The General MIDI soundfont every renderer uses (the catalogue's recordings, creation's audio).

One place decides which file: Debian's fluid-soundfont-gm, then the system default.
"""

from __future__ import annotations

from pathlib import Path

from accord.errors import InvalidInput

SOUNDFONTS = (Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
              Path("/usr/share/sounds/sf2/default-GM.sf2"))


def soundfont() -> Path:
    for sf2 in SOUNDFONTS:
        if sf2.exists():
            return sf2
    raise InvalidInput("no General MIDI soundfont found (install Debian fluid-soundfont-gm)")
