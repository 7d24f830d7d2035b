"""Text lines of one page image, by the PP-OCR models that ship inside ``rapidocr-onnxruntime``.

Everything runs offline: the detection and recognition models are files of the wheel, loaded once
per process (about 15 MB, 0.3 s). ``recognise(image)`` returns the page's text lines with their
boxes in the image's pixels and the recogniser's confidence, in no particular order; ``layout``
puts them in reading order.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from .errors import OcrUnavailableError

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

# Characters the recogniser reads with less confidence than this are marked for the office to check.
UNCERTAIN_BELOW = 0.8
# Lines scored below this are mostly noise (speckle read as “·”, a seal's ring): dropped.
DROP_BELOW = 0.3
# Detection runs on the page scaled to this long side: text of a 14 pt line stays ~20 px high, and
# detection time grows with the pixel count. Recognition reads the crops at full resolution.
DETECT_LONG_SIDE = 1024

_lock = threading.Lock()  # the onnxruntime sessions are shared by the threads of a process


@dataclass(frozen=True)
class OcrLine:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float  # the line's mean
    unsure: tuple[
        tuple[int, int], ...
    ] = ()  # [start, end) character runs of ``text`` read with low confidence

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@cache
def _engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:  # pragma: no cover - the package is a dependency
        raise OcrUnavailableError(
            "服务器未安装文字识别组件（rapidocr-onnxruntime），无法读取扫描件，请联系系统管理员。"
        ) from exc
    return RapidOCR(
        use_cls=False, det_limit_type="max", det_limit_side_len=DETECT_LONG_SIDE, print_verbose=False
    )


def recognise(image: Image.Image) -> list[OcrLine]:
    """The text lines of a page image (any mode), with boxes in the image's pixels."""
    import numpy as np

    grey = np.asarray(_ink(image))
    rgb = np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    with _lock:
        found = _detect_and_read(_engine(), rgb)
    lines: list[OcrLine] = []
    for box, text, score, confidences in found:
        if score < DROP_BELOW or not text.strip():
            continue
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        text, confidences = _normalise(text, confidences)
        line = OcrLine(
            text,
            float(min(xs)),
            float(min(ys)),
            float(max(xs)),
            float(max(ys)),
            float(score),
            _unsure_runs(confidences),
        )
        lines.append(_restore_dash(line, grey))
    return [line for line in lines if line.text.strip()]


def _ink(image: Image.Image) -> Image.Image:
    """The page in grey as the text's ink sees it. In colour, the red channel: black text stays
    black while a red seal or 红头 banner over it turns almost white, so the text under a seal
    can still be read."""
    if image.mode in ("RGB", "RGBA", "P", "CMYK", "YCbCr"):
        return image.convert("RGB").getchannel("R")
    return image.convert("L")


def _detect_and_read(engine: Any, rgb: np.ndarray) -> list[tuple[Any, str, float, list[float]]]:
    """RapidOCR's own steps (rapidocr-onnxruntime 1.4), asking the recogniser for each character's
    confidence: the line's mean hides the one character it was unsure of."""
    raw_h, raw_w = rgb.shape[:2]
    img, ratio_h, ratio_w = engine.preprocess(rgb)
    op_record: dict[str, Any] = {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}}
    img, op_record = engine.maybe_add_letterbox(img, op_record)
    boxes, _ = engine.auto_text_det(img)
    if boxes is None or len(boxes) == 0:
        return []
    crops = engine.get_crop_img_list(img, boxes)
    results, _ = engine.text_rec(crops, True)
    boxes = engine._get_origin_points(boxes, op_record, raw_h, raw_w)
    out = []
    for box, result in zip(boxes, results, strict=True):
        text, score = result[0], float(result[1])
        confidences = [float(c) for c in result[2][4]] if len(result) > 2 else []
        if len(confidences) != len(text):
            confidences = [score] * len(text)
        out.append((box.tolist() if hasattr(box, "tolist") else box, text, score, confidences))
    return out


def _unsure_runs(confidences: list[float]) -> tuple[tuple[int, int], ...]:
    """Runs of characters below ``UNCERTAIN_BELOW``, joined when one or two sure ones sit between."""
    runs: list[tuple[int, int]] = []
    for index, confidence in enumerate(confidences):
        if confidence >= UNCERTAIN_BELOW:
            continue
        if runs and index - runs[-1][1] <= 2:
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    return tuple(runs)


# --- what the recogniser gets wrong on 公文 pages --------------------------------------------

_DASH_LIKE = re.compile(r"^[一—－\-_~～。.·]{1,2}")
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[（(]|\d)")
_DIGIT_DASH = re.compile(r"(?<=\d)[－\-~～](?=\d)")
_SPECKLE = re.compile(
    r"(?<=[\u4e00-\u9fff，。、；：“”（）《》])[·．.'`,，](?=[\u4e00-\u9fff，。、；：“”（）《》])"
)
_SPECK_BELOW = 0.6
_DIGIT_SPECK = re.compile(r"(?<=\d)[.．·](?=\d)")
_LEADING_SPECKS = "·．.'`"
# “1。加强…”: an item number's dot read as a full stop (a line never opens with digits and 。)
_NUMBER_STOP = re.compile(r"^(\d{1,2})[。，,](?=[\u4e00-\u9fff])")
# the policy term 互联网＋ (“互联网+科普”): its plus read as the character 十
_INTERNET_PLUS = re.compile(r"互联网十(?=[\u4e00-\u9fff“])")  # a “+” read as such is kept as read


def _normalise(text: str, confidences: list[float]) -> tuple[str, list[float]]:
    """Year ranges read as “2021－2035” get the document's “—”; specks the recogniser read as a
    dot or a comma between Chinese characters, without confidence, go (with their confidences,
    so the unsure runs still line up)."""
    sure = (list(confidences) + [1.0] * len(text))[: len(text)]
    lead = len(text) - len(text.lstrip(_LEADING_SPECKS))  # no line of a plan opens with a dot
    text, sure = text[lead:], sure[lead:]
    text = _NUMBER_STOP.sub(r"\1.", text)
    text = _INTERNET_PLUS.sub("互联网＋", text)
    chars = list(text)
    for m in _DIGIT_DASH.finditer(text):
        chars[m.start()], sure[m.start()] = "—", max(sure[m.start()], UNCERTAIN_BELOW)
    keep = [
        i
        for i in range(len(chars))
        if not (_SPECKLE.match(text, i) and (chars[i] in "·．.'`" or sure[i] < _SPECK_BELOW))
        and not (_DIGIT_SPECK.match(text, i) and sure[i] < _SPECK_BELOW)  # 90％ read as 9.0%
    ]

    return "".join(chars[i] for i in keep), [sure[i] for i in keep]


def _restore_dash(line: OcrLine, grey: np.ndarray) -> OcrLine:
    """A ——bullet is one thin stroke two characters long: the recogniser reads it as 一 or drops
    it. Look at the pixels before and at the start of the line for such a stroke."""
    if _NUMBERED.match(line.text):
        return line  # 一、 （一） 1. open the line: its 一 is a numeral, not a dash
    start = _dash_stroke_start(grey, line)
    if start is None:
        return line
    rest = _DASH_LIKE.sub("", line.text) if start >= line.x0 - 0.5 * line.height else line.text
    if rest.startswith("——"):
        return line
    rest = rest.lstrip("一—－-_~～。.·")
    shift = 2 - (len(line.text) - len(rest))
    unsure = tuple((max(2, s + shift), e + shift) for s, e in line.unsure if e + shift > 2)
    return OcrLine("——" + rest, min(line.x0, start), line.y0, line.x1, line.y1, line.confidence, unsure)


def _dash_stroke_start(grey: np.ndarray, line: OcrLine) -> float | None:
    """The x where a dash stroke begins, if the line opens with one: over 1.4 character heights
    from the first ink, one row band is inked nearly all along and nothing else stands tall (a
    character's strokes spread over its whole height). Character height comes from the line's
    ink: detection boxes are padded, more so on photos."""
    import numpy as np

    top, bottom = int(max(0, line.y0)), int(min(grey.shape[0], line.y1))
    x0, x1 = int(max(0, line.x0)), int(min(grey.shape[1], line.x1))
    if bottom - top < 4 or x1 - x0 < 4:
        return None
    band = grey[top:bottom].astype(np.int16)
    threshold = np.median(band[:, x0:x1]) - 60
    # rows inked near the line's start only: a photographed line slants across the page
    profile = (band[:, x0 : min(x1, x0 + int(3 * line.height))] < threshold).sum(axis=1)
    if profile.max(initial=0) == 0:
        return None
    low, high = _main_rows(profile >= 0.2 * profile.max())  # not the neighbours' strokes in the padding
    glyph = float(high - low)
    if glyph < 6:
        return None
    left, right = int(max(0, line.x0 - 2.5 * glyph)), int(min(grey.shape[1], line.x0 + 3 * glyph))
    ink = band[low:high, left:right] < threshold
    columns = np.flatnonzero(ink.sum(axis=0) > 0)
    length = int(1.4 * glyph)
    for first in columns:
        stretch = ink[:, first : first + length]
        if stretch.shape[1] < length:
            return None
        if stretch[:, : max(1, int(0.3 * glyph))].any(axis=0).mean() < 0.8:
            continue  # a speck before the line
        coverage = stretch.mean(axis=1)
        dash_rows = int((coverage >= 0.85).sum())  # one unbroken stroke (、 after 一 is not)
        inked_rows = int((coverage >= 0.05).sum())
        start = left + first
        touches_box = start + length >= line.x0 - 1.0 * glyph  # a dropped dash sits right before the text
        if dash_rows >= 1 and inked_rows <= 0.25 * glyph and start <= line.x0 + 0.5 * glyph and touches_box:
            return float(start)
        return None
    return None


def _main_rows(inked: Any) -> tuple[int, int]:
    """[low, high) of the longest run of inked rows, gaps of a few rows allowed (a glyph's
    strokes leave some rows empty)."""
    best, start, gap = (0, 0), -1, 0
    for y, has_ink in enumerate(list(inked) + [False] * 4):
        if has_ink:
            if start < 0:
                start = y
            gap = 0
        elif start >= 0:
            gap += 1
            if gap > 3:
                end = y - gap + 1
                if end - start > best[1] - best[0]:
                    best = (start, end)
                start, gap = -1, 0
    return best
