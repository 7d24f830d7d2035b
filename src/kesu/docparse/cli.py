"""``kesu parse_plan PATH``: print the plan draft as one JSON object; no database involved."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from . import parse_extraction, parse_plan_bytes
from .errors import PlanReadError
from .readers import DEFAULT_MAX_BYTES
from .scan import read_images, sniff_image

EXIT_UNREADABLE = 2


def main(argv: list[str]) -> int:
    """argv is ``[PATH]``, or the JPG/PNG pages of one plan in order. Exit 0 with JSON on stdout,
    or 2 with one Chinese line on stderr."""
    if not argv:
        print("用法：kesu parse_plan 文件路径（或按顺序列出多张 JPG/PNG 页面图片）", file=sys.stderr)
        return EXIT_UNREADABLE
    files: list[tuple[bytes, str]] = []
    for name in argv:
        path = Path(name)
        try:
            files.append((path.read_bytes(), path.name))
        except FileNotFoundError:
            return _fail(f"找不到文件：{path}")
        except IsADirectoryError:
            return _fail(f"这是一个目录，不是文件：{path}")
        except OSError as exc:
            return _fail(f"无法读取文件 {path}：{exc.strerror or exc}")
    try:
        if len(files) == 1:
            draft = parse_plan_bytes(files[0][0], files[0][1], max_bytes=DEFAULT_MAX_BYTES)
        elif all(sniff_image(data) for data, _ in files):
            draft = parse_extraction(read_images(files))
        else:
            return _fail("多个文件只能是同一份方案按顺序排列的 JPG/PNG 页面图片。")
    except PlanReadError as exc:
        return _fail(exc.message)
    try:
        sys.stdout.write(json.dumps(draft.to_json_dict(), ensure_ascii=False, indent=1) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # the reader (head, a pager) stopped early: not our failure
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _fail(message: str) -> int:
    print(message.replace("\n", " "), file=sys.stderr)
    return EXIT_UNREADABLE
