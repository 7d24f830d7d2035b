"""``kesu parse_plan PATH``: print the plan draft as one JSON object; no database involved."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from .errors import PlanReadError
from .parser import parse_plan_text
from .readers import DEFAULT_MAX_BYTES, read_document

EXIT_UNREADABLE = 2


def main(argv: list[str]) -> int:
    """argv is ``[PATH]``. Exit 0 with JSON on stdout, or 2 with one Chinese line on stderr."""
    if len(argv) != 1:
        print("用法：kesu parse_plan 文件路径", file=sys.stderr)
        return EXIT_UNREADABLE
    path = Path(argv[0])
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _fail(f"找不到文件：{path}")
    except IsADirectoryError:
        return _fail(f"这是一个目录，不是文件：{path}")
    except OSError as exc:
        return _fail(f"无法读取文件 {path}：{exc.strerror or exc}")
    try:
        draft = parse_plan_text(read_document(data, path.name, max_bytes=DEFAULT_MAX_BYTES))
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
