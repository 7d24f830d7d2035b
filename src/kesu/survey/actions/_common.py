"""What every survey write shares: the error the office sees and reading an upload into a table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kesu.survey.tables import Table, TableError, read_table

if TYPE_CHECKING:
    pass


MAX_ERRORS = 20


class SurveyError(ValueError):
    """A survey operation that cannot go ahead; the message is for the office or the respondent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _fail_if(errors: list[str], total: int | None = None) -> None:
    """Refuse the whole file naming the first problems; ``total`` counts them all when only some were kept."""
    total = len(errors) if total is None else total
    if errors:
        more = f"（另有 {total - MAX_ERRORS} 处问题未列出）" if total > MAX_ERRORS else ""
        raise SurveyError(
            "文件未导入，没有写入任何数据。请修改以下问题后重新上传：\n"
            + "\n".join(errors[:MAX_ERRORS])
            + more
        )


def _read(data: bytes, filename: str) -> Table:
    try:
        return read_table(data, filename)
    except TableError as error:
        raise SurveyError(error.message) from error
