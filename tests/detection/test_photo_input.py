"""`rearguard detect PHOTO`: a JPEG cut short is reported, not half-read.

libjpeg decodes a truncated file as far as it goes and fills the rest with grey, with a
warning on stderr only; the detector would then report on half a photo.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from rearguard.cli import main
from rearguard.cli.detect import jpeg_is_whole


def _photo(flags: tuple[int, ...] = ()) -> bytes:
    """A JPEG of a textured test picture (enough coded data for 0xFF bytes to occur in it)."""
    rng = np.random.default_rng(7)
    image = cv2.GaussianBlur(rng.integers(0, 256, (240, 320, 3), np.uint8), (3, 3), 0)
    ok, data = cv2.imencode(".jpg", image, list(flags))
    assert ok
    return data.tobytes()


def _with_thumbnail(photo: bytes) -> bytes:
    """``photo`` with an EXIF-style APP1 segment holding a whole small JPEG (a thumbnail,
    with an end-of-image marker of its own) before the image."""
    thumb = cv2.imencode(".jpg", np.full((16, 16, 3), 90, np.uint8))[1].tobytes()
    body = b"Exif\x00\x00" + thumb
    app1 = b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body
    return photo[:2] + app1 + photo[2:]


@pytest.mark.parametrize("flags", [(), (cv2.IMWRITE_JPEG_PROGRESSIVE, 1),
                                   (cv2.IMWRITE_JPEG_RST_INTERVAL, 2)],
                         ids=["baseline", "progressive", "restart-markers"])
def test_a_whole_jpeg_is_whole_and_every_cut_of_it_is_not(flags):
    photo = _photo(flags)
    assert jpeg_is_whole(photo)
    assert jpeg_is_whole(photo + b"\x00ftypmp42" * 50)  # data after the image (motion photo)
    for end in (4, 100, len(photo) // 3, len(photo) // 2, len(photo) - 2, len(photo) - 1):
        assert not jpeg_is_whole(photo[:end]), end


def test_a_thumbnails_end_marker_does_not_make_a_cut_photo_whole():
    photo = _with_thumbnail(_photo())
    assert jpeg_is_whole(photo)
    assert not jpeg_is_whole(photo[:len(photo) * 2 // 3])


def test_detect_stops_on_a_cut_photo_with_one_line_naming_it(assets, tmp_path, capsys):
    whole = (assets / "images" / "bus.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[:len(whole) // 2])
    assert main(["detect", str(cut)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(cut) in err[0] and "cut short" in err[0]
    # The same bytes whole are read and searched.
    good = tmp_path / "whole.jpg"
    good.write_bytes(whole)
    assert main(["detect", "--json", str(good)]) == 0
    assert "bus" in capsys.readouterr().out
