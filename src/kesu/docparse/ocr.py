"""Text lines of one page image, by the PP-OCR models that ship inside ``rapidocr-onnxruntime``.

Everything runs offline: the detection and recognition models are files of the wheel, loaded once
per process (about 15 MB, 0.3 s). ``recognise(image)`` returns the page's text lines with their
boxes in the image's pixels and the recogniser's confidence, in no particular order; ``layout``
puts them in reading order.
"""

from __future__ import annotations

import contextlib
import os
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

# Pages are recognised by this many threads at once, each with its own engine running onnxruntime
# on one core: onnxruntime's default uses one core here, and splitting one page's convolutions over
# two cores gains less than reading two pages side by side (the Python steps run in parallel too).
# ``KESU_OCR_WORKERS`` overrides it (1 on a server that must keep a core free).
MAX_WORKERS = 2
_local = threading.local()  # one engine per thread: RapidOCR's objects keep per-call state
# Detection holds about 500 MB while it runs (the page's feature maps), recognition of a line
# crop about 100 MB: pages detect one at a time, so one page's detection overlaps the other's
# recognition and the worker's peak stays near one detection's.
_detecting = threading.Lock()


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
    column: int = 0  # 1 or 2 where the page was found set in two columns; 0 across the page

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def workers() -> int:
    """Threads to recognise pages with: one per core, at most ``MAX_WORKERS``."""
    try:
        wanted = int(os.environ.get("KESU_OCR_WORKERS", "0"))
    except ValueError:
        wanted = 0
    cores = os.cpu_count() or 1
    return max(1, min(wanted or MAX_WORKERS, cores))


def _engine(threads: int = 1) -> Any:
    """This thread's engine, its onnxruntime sessions running on ``threads`` cores."""
    engines: dict[int, Any] = _local.__dict__.setdefault("engines", {})
    if threads not in engines:
        engines[threads] = _new_engine(threads)
    return engines[threads]


@cache
def _rapidocr() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:  # pragma: no cover - the package is a dependency
        raise OcrUnavailableError(
            "服务器未安装文字识别组件（rapidocr-onnxruntime），无法读取扫描件，请联系系统管理员。"
        ) from exc
    return RapidOCR


def _new_engine(threads: int) -> Any:
    return _rapidocr()(
        use_cls=False,
        det_limit_type="max",
        det_limit_side_len=DETECT_LONG_SIDE,
        print_verbose=False,
        intra_op_num_threads=threads,
        inter_op_num_threads=1,
        # one line crop per run: a batch is padded to its widest line, and on these pages (lines
        # of very different widths) batches of 6 took twice the CPU and twice the peak memory
        rec_batch_num=1,
    )


def recognise(image: Image.Image, threads: int | None = None) -> list[OcrLine]:
    """The text lines of a page image (any mode), with boxes in the image's pixels. ``threads``:
    cores for this page's inference (all of them when None; 1 when pages are read side by side)."""
    import numpy as np

    engine = _engine(threads or os.cpu_count() or 1)
    ink = _ink(image)
    raw = np.asarray(ink)  # the dash bullets' check is tuned to the page's own contrast
    grey = np.asarray(_even_light(ink))
    regions = page_regions(grey)
    found: list[tuple[int, Any, str, float, list[float], frozenset[int]]] = []
    for region in regions:
        crop, dx, dy = region.crop(grey)
        if len(regions) > 1 and not (crop < 128).any():
            continue  # nothing inked: a blank band above or below the columns
        rgb = np.ascontiguousarray(np.repeat(crop[:, :, None], 3, axis=2))
        read = _detect_and_read(engine, rgb)
        column = _COLUMN_OF[region.side]
        for box, text, score, confidences, specks in read:
            found.append((column, [[x + dx, y + dy] for x, y in box], text, score, confidences, specks))
    _release_memory()
    lines: list[OcrLine] = []
    for column, box, text, score, confidences, specks in found:
        if score < DROP_BELOW or not text.strip():
            continue
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        text, confidences = _normalise(text, confidences, specks)
        line = OcrLine(
            text,
            float(min(xs)),
            float(min(ys)),
            float(max(xs)),
            float(max(ys)),
            float(score),
            _unsure_runs(confidences),
            column,
        )
        lines.append(_restore_dash(line, raw))
    return [line for line in lines if line.text.strip()]


# --- two columns: split the page before detection -------------------------------------------
# Detection bridges a narrow gutter where the lines of both columns sit at the same height and
# returns one box for two lines. So the gutter is found in the pixels first, and each column is
# detected and read on its own; bands spanning the page (title, header, page number, a wide
# table) are read across the whole width.

_STRIP = 0.02  # strips of this share of the page height (about a line) are looked at one by one
_MIN_GUTTER = 0.035  # a gutter is at least this share of the page width (7 mm on A4, 1½ characters)
_MIN_SPLIT_STRIPS = 6
# text on a side of a gap: this share of the page width in runs of ink wider than a speck (about
# a character: a short last line of a column counts, the specks of a scan do not)
_MIN_SIDE = 0.025
_MIN_SHORT_STRIPS = 4  # a column of four or five short lines beside a full one
_COLUMN_OF = {"full": 0, "left": 1, "right": 2}


@dataclass(frozen=True)
class Region:
    """Rows [top, bottom) of the page; ``side`` "full", "left" or "right" of the gutter, which
    runs along x = a + b·y (slanted like the scan)."""

    top: int
    bottom: int
    side: str = "full"
    a: float = 0.0
    b: float = 0.0

    def crop(self, grey: np.ndarray) -> tuple[np.ndarray, int, int]:
        """The region's pixels (the other column whitened) and its offset in the page."""
        import numpy as np

        band = grey[self.top : self.bottom]
        if self.side == "full":
            return band, 0, self.top
        ys = np.arange(self.top, self.bottom, dtype=np.float64)
        gutter = np.clip(self.a + self.b * ys, 0, grey.shape[1]).astype(np.int64)
        xs = np.arange(grey.shape[1])[None, :]
        if self.side == "left":
            right = int(gutter.max())
            out = band[:, :right].copy()
            out[xs[:, :right] >= gutter[:, None]] = 255
            return out, 0, self.top
        left = int(gutter.min())
        out = band[:, left:].copy()
        out[xs[:, left:] < gutter[:, None]] = 255
        return out, left, self.top


def page_regions(grey: np.ndarray) -> list[Region]:
    """The page as one region, or, when it is set in two columns, as bands spanning the page
    and pairs of left and right columns, top to bottom. A gutter is a vertical strip of paper in
    the middle third with text on both sides, found strip by strip (so a skewed scan's slanted
    gutter is followed) and consistent along most of the text. A page with few lines on one
    side (the last page of a two-column plan) is looked at once more, its short lines counted."""
    import numpy as np

    height, width = grey.shape
    whole = [Region(0, height)]
    if height < 200 or width < 200:
        return whole
    ink = grey < min(160.0, float(np.median(grey)) - 50)
    strip = max(8, round(height * _STRIP))
    tolerance = max(1, strip // 20)  # specks of a scan
    min_gap = max(4, round(width * _MIN_GUTTER))
    low, high = width // 3, 2 * width // 3
    inked_of: dict[int, np.ndarray] = {}  # strips holding more than specks
    runs: dict[int, tuple[int, int]] = {}  # strips with text both sides of a clear run
    short: dict[int, tuple[int, int]] = {}  # the same, counting a short line as text
    for index, top in enumerate(range(0, height, strip)):
        counts = ink[top : top + strip].sum(axis=0)
        inked = counts > tolerance
        if inked.sum() < 0.05 * width:  # blank, or specks only
            continue
        inked_of[index] = counts > max(tolerance, strip // 8)  # strokes: a speck is a dot
        run = _widest_clear_run(inked[low:high])
        if run is not None and run[1] - run[0] >= min_gap:
            lo, hi = run[0] + low, run[1] + low
            solid = inked_of[index]
            if min(solid[:lo].sum(), solid[hi:].sum()) >= 0.05 * width:  # text, not specks
                runs[index] = (lo, hi)
            # a short line (a word or two, cut by the strip's edge) has few columns inked deep:
            # ink in runs wider than a speck counts too
            strokes = _wider_than(inked, max(6, strip // 6))
            if min(strokes[:lo].sum(), strokes[hi:].sum()) >= _MIN_SIDE * width:
                short[index] = (lo, hi)
    minimum = _MIN_SPLIT_STRIPS
    line = _gutter_line(runs, strip) if len(runs) >= minimum else None
    if line is None and len(short) >= _MIN_SHORT_STRIPS:
        # a page with a column of short lines (ragged on both sides of the gutter, so the
        # narrowest runs do not line up): the straight corridor that all the runs share
        runs, minimum = short, _MIN_SHORT_STRIPS
        line = _corridor(runs, strip, min_gap)
    if line is None:
        return whole
    a, b = line

    def clear_run_at_gutter(i: int) -> tuple[int, int]:
        x = int(np.clip(round(a + b * (i + 0.5) * strip), 0, width - 1))
        inked = inked_of[i]
        left = np.flatnonzero(inked[:x])
        right = np.flatnonzero(inked[x:])
        return (int(left[-1]) + 1 if len(left) else 0, x + int(right[0]) if len(right) else width)

    fits = {i for i in inked_of if (r := clear_run_at_gutter(i))[1] - r[0] >= 0.8 * min_gap}
    agree = sorted(i for i in runs if i in fits)
    if len(agree) < minimum:
        return whole
    first, last = agree[0], agree[-1]
    crossing = [i for i in inked_of if first <= i <= last and i not in fits]
    if len(agree) < 1.5 * len(crossing):
        return whole
    # the few strips crossing the gutter between the columns are mostly a line run into it: they
    # are cut at the gutter too (a band across the page there would reorder both columns)
    # a column's lines below the other's end, beside nothing, are still read with their column
    # (the last page: a long left column and a few lines on the right), down to a strip that
    # crosses the gutter (a centred page number or footer, a band across the page)
    below = last + 1
    while below < len(range(0, height, strip)) and (below not in inked_of or below in fits):
        if below in inked_of:
            last = below
        below += 1
    # bands: strips above and below the columns span the page
    count = (height + strip - 1) // strip
    labels = ["split" if first <= i <= last else "full" for i in range(count)]
    bands: list[tuple[str, int]] = []  # (label, first strip)
    for i, label in enumerate(labels):
        if not bands or bands[-1][0] != label:
            bands.append((label, i))
    cuts = [0] + [_quiet_row(ink, i * strip, strip) for _, i in bands[1:]] + [height]
    regions: list[Region] = []
    for (label, _), top, bottom in zip(bands, cuts[:-1], cuts[1:], strict=True):
        if bottom <= top:
            continue
        if label == "full":
            regions.append(Region(top, bottom))
        else:
            regions += [Region(top, bottom, "left", a, b), Region(top, bottom, "right", a, b)]
    return regions


def _widest_clear_run(inked: np.ndarray) -> tuple[int, int] | None:
    import numpy as np

    clear = np.concatenate(([False], ~inked, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(clear))
    if len(edges) < 2:
        return None
    starts, ends = edges[0::2], edges[1::2]
    best = int(np.argmax(ends - starts))
    return int(starts[best]), int(ends[best])


def _wider_than(inked: np.ndarray, length: int) -> np.ndarray:
    """The columns of ``inked`` in runs of at least ``length``."""
    import numpy as np

    edges = np.flatnonzero(np.diff(np.concatenate(([0], inked.astype(np.int8), [0]))))
    out = np.zeros(len(inked), dtype=bool)
    for start, end in zip(edges[0::2], edges[1::2], strict=True):
        if end - start >= length:
            out[start:end] = True
    return out


def _gutter_line(runs: dict[int, tuple[int, int]], strip: int) -> tuple[float, float] | None:
    """x = a + b·y through the middles of the narrowest runs (lines full on both sides), b at
    most a 3° slant."""
    import numpy as np

    widths = np.array([hi - lo for lo, hi in runs.values()])
    limit = 1.5 * float(np.median(widths))
    points = [((i + 0.5) * strip, (lo + hi) / 2) for i, (lo, hi) in runs.items() if hi - lo <= limit]
    if len(points) < 3:
        return None
    ys, xs = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    if float(np.ptp(ys)) == 0:
        return float(xs.mean()), 0.0
    b, a = np.polyfit(ys, xs, 1)
    near = np.abs(xs - (a + b * ys)) <= max(4.0, float(np.median(widths)) / 4)  # once more without strays
    if near.sum() >= 3 and float(np.ptp(ys[near])) > 0:
        b, a = np.polyfit(ys[near], xs[near], 1)
    if abs(b) > 0.05:
        return None
    return float(a), float(b)


def _corridor(runs: dict[int, tuple[int, int]], strip: int, min_gap: int) -> tuple[float, float] | None:
    """x = a + b·y down the middle of the widest straight strip of paper inside the clear runs
    (a fifth of them may be strays), b at most a 3° slant; None when narrower than a gutter."""
    import numpy as np

    ys = np.array([(i + 0.5) * strip for i in runs], dtype=np.float64)
    los = np.array([lo for lo, _ in runs.values()], dtype=np.float64)
    his = np.array([hi for _, hi in runs.values()], dtype=np.float64)
    strays = len(runs) // 5
    best: tuple[float, float, float] | None = None  # (width, a, b)
    for b in np.linspace(-0.05, 0.05, 41):
        left = float(np.sort(los - b * ys)[-1 - strays])
        right = float(np.sort(his - b * ys)[strays])
        if best is None or right - left > best[0]:
            best = (right - left, (left + right) / 2, float(b))
    if best is None or best[0] < 0.8 * min_gap:
        return None
    return best[1], best[2]


def _quiet_row(ink: np.ndarray, around: int, strip: int) -> int:
    """The row with the least ink near ``around``: a band is cut between lines, not through one."""
    import numpy as np

    top, bottom = max(0, around - strip // 2), min(ink.shape[0], around + strip // 2)
    if bottom <= top:
        return around
    return top + int(np.argmin(ink[top:bottom].sum(axis=1)))


def _release_memory() -> None:
    """Hand freed heap back to the system after a page: the line crops differ in size from page
    to page, and glibc keeps the freed blocks otherwise (the worker's RSS grows page by page)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(name).malloc_trim(0)


def _ink(image: Image.Image) -> Image.Image:
    """The page in grey as the text's ink sees it. In colour, the red channel: black text stays
    black while a red seal or 红头 banner over it turns almost white, so the text under a seal
    can still be read."""
    if image.mode in ("RGB", "RGBA", "P", "CMYK", "YCbCr"):
        return image.convert("RGB").getchannel("R")
    return image.convert("L")


# the paper's brightness from place to place, on the page shrunk by this factor (fast; light
# varies slowly): an 8× smaller page, its brightest within 7 pixels (wider than a character)
_LIGHT_SHRINK, _LIGHT_WINDOW = 8, 7
_UNEVEN = 0.8  # the darkest twentieth of the paper under 80 % of the brightest: a photo's light
_PAPER = 215.0  # after evening out, this grey and above is paper (a seal's pale residue too)


def _even_light(grey: Image.Image) -> Image.Image:
    """A photographed page with light falling off to a corner, or a shadow over it: divided by
    the paper's own brightness around each point, then stretched so that pale grey (paper, the
    faint trace a red seal leaves in the red channel) is white. Without it, detection missed a
    whole line under a seal in the shaded half of a photo. A scanner's evenly lit page is kept."""
    import numpy as np
    from PIL import Image, ImageFilter

    small = grey.resize((max(1, grey.width // _LIGHT_SHRINK), max(1, grey.height // _LIGHT_SHRINK)))
    light = small.filter(ImageFilter.MaxFilter(_LIGHT_WINDOW)).filter(ImageFilter.GaussianBlur(3))
    paper = np.asarray(light, dtype=np.float32)
    low, high = np.percentile(paper, 5), np.percentile(paper, 95)
    if high <= 0 or low >= _UNEVEN * high:
        return grey
    background = np.maximum(
        np.asarray(light.resize(grey.size, Image.Resampling.BILINEAR), dtype=np.float32), 1.0
    )
    evened = np.asarray(grey, dtype=np.float32) / background * (255.0 * 255.0 / _PAPER)
    return Image.fromarray(np.clip(evened, 0, 255).astype(np.uint8))


def _detect_and_read(
    engine: Any, rgb: np.ndarray
) -> list[tuple[Any, str, float, list[float], frozenset[int]]]:
    """RapidOCR's own steps (rapidocr-onnxruntime 1.4), asking the recogniser for each character's
    confidence (the line's mean hides the one character it was unsure of) and where it read each
    one: a point between digits is looked at in the line's pixels (``_points_without_room``)."""
    raw_h, raw_w = rgb.shape[:2]
    img, ratio_h, ratio_w = engine.preprocess(rgb)
    op_record: dict[str, Any] = {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}}
    img, op_record = engine.maybe_add_letterbox(img, op_record)
    with _detecting:
        boxes, _ = engine.auto_text_det(img)
        _release_memory()
    if boxes is None or len(boxes) == 0:
        return []
    crops = engine.get_crop_img_list(img, boxes)
    results, _ = engine.text_rec(crops, True)
    boxes = engine._get_origin_points(boxes, op_record, raw_h, raw_w)
    out = []
    for box, crop, result in zip(boxes, crops, results, strict=True):
        text, score = result[0], float(result[1])
        confidences = [float(c) for c in result[2][4]] if len(result) > 2 else []
        if len(confidences) != len(text):
            confidences = [score] * len(text)
        columns = [int(c) for word in result[2][2] for c in word] if len(result) > 2 else []
        specks = _points_without_room(crop, text, columns)
        out.append((box.tolist() if hasattr(box, "tolist") else box, text, score, confidences, specks))
    return out


# --- a point between digits: a decimal point or a speck -------------------------------------
# A speck of the scan between two digits is read as a point (“90 %” → “9.0 %”), often with full
# confidence. A real decimal point takes room: the digits on either side stand apart by the
# point's own width, about half a digit's height in any typeface, while two digits of one number
# stand a stroke apart and a speck between them is laid over that narrow gap. So the gap between
# the digits is measured in the upper part of the digits, where no point sits.
_DIGIT_POINT = re.compile(r"(?<=\d)[.．·](?=\d)")
_POINT_ROOM = 0.3  # a gap narrower than this share of the digits' height holds no decimal point
_POINT_DROPPED = UNCERTAIN_BELOW / 2  # the confidence left to digits whose point was dropped
_REC_HEIGHT, _REC_STRIDE = 48, 8  # the recogniser reads a crop scaled to 48 px high, 8 px a step


def _points_without_room(crop: np.ndarray, text: str, columns: list[int]) -> frozenset[int]:
    """Indices in ``text`` of points between digits with no room for a decimal point in the
    line's pixels. ``columns``: the recogniser's step at which it read each character."""
    import numpy as np

    if len(columns) != len(text) or crop.ndim < 2 or crop.shape[0] > crop.shape[1]:
        return frozenset()  # no positions, or a crop turned for vertical text
    grey = crop.mean(axis=2) if crop.ndim == 3 else crop.astype(np.float64)
    height, width = grey.shape
    step = height / _REC_HEIGHT * _REC_STRIDE  # one step of the recogniser in the crop's pixels
    threshold = (float(np.median(grey)) + float(np.percentile(grey, 3))) / 2  # paper and ink
    specks = set()
    for match in _DIGIT_POINT.finditer(text):
        at = match.start()
        left = int(max(0.0, (columns[at - 1] - 0.5) * step))
        right = int(min(float(width), (columns[at + 1] + 1.5) * step))
        ink = grey[:, left:right] < threshold
        rows = np.flatnonzero(ink.any(axis=1))
        if right - left < 2 or len(rows) == 0:
            continue
        top, digits = int(rows[0]), int(rows[-1]) + 1 - int(rows[0])
        upper = np.asarray(ink[top : top + max(1, int(0.6 * digits))].any(axis=0))  # above any point
        if _widest_inner_gap(upper) < _POINT_ROOM * digits:
            specks.add(at)
    return frozenset(specks)


def _widest_inner_gap(inked: np.ndarray) -> int:
    """The widest run of clear columns with ink on both sides."""
    import numpy as np

    filled = np.flatnonzero(inked)
    if len(filled) < 2:
        return 0
    return int(np.diff(filled).max()) - 1


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

_ONE_DASH = re.compile(r"^—(?=[\u4e00-\u9fff])")
_DASH_LIKE = re.compile(r"^[一—－\-_~～。.·，,]{1,2}")  # the stroke, misread (seen: 一 。 ，)
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[（(]|\d)")
_DIGIT_DASH = re.compile(r"(?<=\d)[－\-~～](?=\d)")
_SPECKLE = re.compile(
    r"(?<=[\u4e00-\u9fff，。、；：“”（）《》])[·．.'`,，](?=[\u4e00-\u9fff，。、；：“”（）《》])"
)
_SPECK_BELOW = 0.6
_LEADING_SPECKS = "·．.'`"
# “1。加强…”: an item number's dot read as a full stop (a line never opens with digits and 。)
_NUMBER_STOP = re.compile(r"^(\d{1,2})[。，,](?=[\u4e00-\u9fff])")
# the policy term 互联网＋ (“互联网+科普”): its plus read as the character 十
_INTERNET_PLUS = re.compile(r"互联网十(?=[\u4e00-\u9fff“])")  # a “+” read as such is kept as read
# the count unit 人次 after a number (“15万人次”), its small 人 read as 大/入/八: no such word
_PERSON_TIMES = re.compile(r"(?<=[\d万千百])[大入八](?=次)")


def _normalise(
    text: str, confidences: list[float], specks: frozenset[int] = frozenset()
) -> tuple[str, list[float]]:
    """Year ranges read as “2021－2035” get the document's “—”; specks the recogniser read as a
    dot or a comma between Chinese characters, without confidence, go (with their confidences,
    so the unsure runs still line up), and so do points between digits read with little
    confidence or, in ``specks``, found to have no room for a decimal point."""
    sure = (list(confidences) + [1.0] * len(text))[: len(text)]
    lead = len(text) - len(text.lstrip(_LEADING_SPECKS))  # no line of a plan opens with a dot
    text, sure = text[lead:], sure[lead:]
    specks = frozenset(i - lead for i in specks if i >= lead)
    text = _NUMBER_STOP.sub(r"\1.", text)
    text = _INTERNET_PLUS.sub("互联网＋", text)
    text = _PERSON_TIMES.sub("人", text)
    chars = list(text)
    for m in _DIGIT_DASH.finditer(text):
        chars[m.start()], sure[m.start()] = "—", max(sure[m.start()], UNCERTAIN_BELOW)
    # “9.0 %” for 90 %: the point goes, and the digits either side are marked for the office to
    # check (a point dropped wrongly changes the number tenfold)
    points = {
        i
        for i in range(len(chars))
        if _DIGIT_POINT.match(text, i) and (sure[i] < _SPECK_BELOW or i in specks)
    }
    for i in points:
        sure[i - 1], sure[i + 1] = min(sure[i - 1], _POINT_DROPPED), min(sure[i + 1], _POINT_DROPPED)
    keep = [
        i
        for i in range(len(chars))
        if not (_SPECKLE.match(text, i) and (chars[i] in "·．.'`" or sure[i] < _SPECK_BELOW))
        and i not in points
    ]

    return "".join(chars[i] for i in keep), [sure[i] for i in keep]


_OPENING, _CLOSING = "（(", "）)"
_CJK = re.compile(r"[\u4e00-\u9fff]")


# a paragraph opens with no punctuation: a speck before an item number read as “：” or “，”
_LEADING_PUNCT = re.compile(r"^[：:，,、。．.·'`]+(?=[\d\u4e00-\u9fff（(“])")
# the unit clause closing a paragraph, its ）lost: “（责任单位：市科协、市妇联” and nothing after
_OPEN_CLAUSE = re.compile(
    r"（(?:(?:[^（）]{0,4}(?:单位|部门)|责任分工|分工)[：:][^（）。；]*(?:（[^（）]*）[^（）。；]*)*"
    r"|[^（）。；：]*(?:（[^（）]*）[^（）。；：]*)*(?:负责|牵头|参与|参加|配合))$"
)
_TRAILING_SPECK = re.compile(r"(?<=[）。])[.．·'`]+$")  # not ’: it closes a quotation


def tidy_paragraph(text: str) -> tuple[str, int]:
    """One recognised paragraph with what the recogniser gets wrong on its edges and brackets
    put right, and the number of characters dropped from its start (uncertain spans shift).

    Brackets holding Chinese are made full width: the recogniser often reads a closing ）as
    ASCII “)”, and the parser reads “（牵头部门：…）” and “（责任单位：…）” by their full-width
    brackets. A pair is tidied when either bracket is full width or the text between them is
    Chinese; each character is replaced by one. A unit clause left open at the paragraph's end is
    closed. Specks read as punctuation before the first character, or as “.” after the closing
    bracket at the end, go (公文 put nothing there)."""
    lead = len(text) - len(_LEADING_PUNCT.sub("", text))
    chars = list(text[lead:])
    stack: list[int] = []
    for index, char in enumerate(chars):
        if char in _OPENING:
            stack.append(index)
        elif char in _CLOSING and stack:
            start = stack.pop()
            inside = "".join(chars[start + 1 : index])
            if "（" in (chars[start], chars[index]) or _CJK.search(inside):
                chars[start], chars[index] = "（", "）"
    tidied = "".join(chars)
    tidied = _TRAILING_SPECK.sub("", tidied)
    if _OPEN_CLAUSE.search(tidied):
        tidied += "）"
    return tidied, lead


def _restore_dash(line: OcrLine, grey: np.ndarray) -> OcrLine:
    """A ——bullet is one thin stroke two characters long: the recogniser reads it as 一 or drops
    it. Look at the pixels before and at the start of the line for such a stroke."""
    if _NUMBERED.match(line.text):
        return line  # 一、 （一） 1. open the line: its 一 is a numeral, not a dash
    if _ONE_DASH.match(line.text):  # no line of a plan opens with one dash: half a ——bullet read
        unsure = tuple((s + 1, e + 1) for s, e in line.unsure)
        return OcrLine(
            "—" + line.text, line.x0, line.y0, line.x1, line.y1, line.confidence, unsure, line.column
        )
    start = _dash_stroke_start(grey, line)
    if start is None:
        return line
    rest = _DASH_LIKE.sub("", line.text) if start >= line.x0 - 0.5 * line.height else line.text
    if rest.startswith("——"):
        return line
    rest = rest.lstrip("一—－-_~～。.·，,")
    shift = 2 - (len(line.text) - len(rest))
    unsure = tuple((max(2, s + shift), e + shift) for s, e in line.unsure if e + shift > 2)
    return OcrLine(
        "——" + rest, min(line.x0, start), line.y0, line.x1, line.y1, line.confidence, unsure, line.column
    )


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
    # rows inked near the line's start only (a photographed line slants across the page), past
    # where a dash would be (a dash inside the box, its one row inked all along, made the
    # characters' rows look faint beside it and the character height that of the dash)
    near = (band[:, x0 : min(x1, x0 + int(3 * line.height))] < threshold).sum(axis=1)
    after = (
        band[:, min(x1, x0 + int(2 * line.height)) : min(x1, x0 + int(5 * line.height))] < threshold
    ).sum(axis=1)
    profile = after if after.max(initial=0) > 0 else near
    if profile.max(initial=0) == 0:
        return None
    low, high = _main_rows(profile >= 0.2 * profile.max())  # not the neighbours' strokes in the padding
    glyph = float(high - low)
    if glyph < 6:
        return None
    left, right = int(max(0, line.x0 - 2.5 * glyph)), int(min(grey.shape[1], line.x0 + 3 * glyph))
    ink = _without_specks(band[low:high, left:right] < threshold, glyph)
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


def _without_specks(ink: np.ndarray, glyph: float) -> np.ndarray:
    """``ink`` without the specks of a scan (blobs smaller than a stroke's bit of a character):
    a speck beside a dash, counted as a stroke standing tall, hid the dash."""
    import cv2
    import numpy as np

    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    small = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] < 0.02 * glyph * glyph)
    small = small[small > 0]  # label 0 is the paper
    if count <= 1 or len(small) == 0:
        return ink
    return ink & ~np.isin(labels, small)


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
