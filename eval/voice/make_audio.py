"""One-time generator of the English eval recordings (needs Debian's espeak-ng; not run by tests).

Each note of `en_notes.jsonl` is spoken with its voice and speed, then stored as 16 kHz mono
Ogg/Opus at 16 kbit/s (small enough to keep in the repo). Run again only to change the set:
    .venv/bin/python -m eval.voice.make_audio
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent


def encode_opus(wav: Path, target: Path, bitrate: int = 16000) -> float:
    """wav -> 16 kHz mono Ogg/Opus; returns the duration in seconds."""
    import av

    with av.open(str(wav)) as source, av.open(str(target), "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=16000, layout="mono")
        stream.bit_rate = bitrate
        resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
        samples = 0
        for frame in source.decode(audio=0):
            for chunk in resampler.resample(frame):
                samples += chunk.samples
                for packet in stream.encode(chunk):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return samples / 16000


def main() -> int:
    notes = [json.loads(line) for line in (HERE / "en_notes.jsonl").read_text().splitlines() if line.strip()]
    (HERE / "audio").mkdir(exist_ok=True)
    for note in notes:
        speed = note["speed"]
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "note.wav"
            while True:
                subprocess.run(
                    [
                        "espeak-ng",
                        "-v",
                        note["voice"],
                        "-s",
                        str(speed),
                        "-g",
                        "4",
                        "-w",
                        str(wav),
                        note["text"],
                    ],
                    check=True,
                )
                duration = encode_opus(wav, HERE / "audio" / f"{note['id']}.ogg")
                if duration >= 30 or speed <= 110:
                    break
                speed -= 10  # the eval wants 30-90 s per note
        print(f"{note['id']}: {duration:.1f} s at {speed} wpm ({note['voice']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
