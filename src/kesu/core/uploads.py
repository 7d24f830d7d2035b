"""Large uploads handed to a background job instead of being read in the request.

An import checks every row before it stores any; for tens of thousands of rows that takes longer
than a page should wait, and it would hold a web worker all that time. So an importer checks what
costs nothing (the file size, what the xlsx unpacks to, the declared sheet size, the first row:
the hostile files are refused here, in the request) and, when the file is larger than
``BACKGROUND_BYTES``, keeps it under ``MEDIA_ROOT/pending/imports`` and starts a job that reads and
stores it with progress. The job removes the held file whatever happens.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from kesu import tables
from kesu.core.jobs import start_job

if TYPE_CHECKING:
    from kesu.accounts.models import User
    from kesu.core.models import Job
    from kesu.regions.models import Region

BACKGROUND_BYTES = 512 * 1024  # about 10,000 rows of a tidy CSV: checked in a few seconds at most


def goes_to_background(data: bytes) -> bool:
    return len(data) > BACKGROUND_BYTES


def precheck(data: bytes, filename: str, limits: tables.Limits) -> None:
    """Raise ``tables.TableError`` when the file breaks a limit that is cheap to see (everything but the rows)."""
    for _ in tables.iter_rows(data, filename, limits):
        break


def held_folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "pending" / "imports"


def held_files() -> list[Path]:
    """The uploads held now for jobs that have not finished (none once every job has ended)."""
    folder = held_folder()
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def hold(data: bytes, filename: str) -> str:
    """Keep an upload for a job; the path goes in the job's params."""
    folder = held_folder() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / f"upload{Path(filename).suffix.lower()[:6]}"
    path.write_bytes(data)
    return str(path)


def start_import(
    actor: User, kind: str, title: str, *, region: Region, data: bytes, filename: str, **params: Any
) -> Job:
    """Hold a large upload and start the job of ``kind`` that reads it with ``held_import``; the job's
    user and region are the uploader's, so it stores what the page would have stored."""
    path = hold(data, filename)
    return start_job(actor, kind, title[:200], region=region, path=path, filename=filename, **params)


def release(path: str) -> None:
    """Remove a held upload (and its folder); nothing is left in media once its job ends."""
    shutil.rmtree(Path(path).parent, ignore_errors=True)


@dataclass(frozen=True)
class HeldImport:
    """What an import job reads: the held file, who started it, for which region."""

    data: bytes
    filename: str
    user: User
    region: Region


@contextmanager
def held_import(job: Job) -> Iterator[HeldImport]:
    """The held file of an import job, with the user and region that started it; the file is removed
    when the block ends, whatever happens (a refused file is not kept either)."""
    params = job.params
    try:
        data = Path(params["path"]).read_bytes()
        user, region = job.created_by, job.region  # both SET_NULL: gone if deleted since the upload
        if user is None or region is None:
            raise tables.TableError("发起导入的账号或区划已不存在，未导入任何数据。")
        yield HeldImport(data, params["filename"], user, region)
    finally:
        release(params.get("path", ""))
