"""Errors raised while reading or parsing a plan document.

Every error carries a one-line Chinese message meant for the person who uploaded the file.
"""

from __future__ import annotations


class PlanReadError(Exception):
    """A plan document could not be read or understood; ``message`` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EmptyDocumentError(PlanReadError):
    """The file holds no text at all."""


class UnsupportedFileTypeError(PlanReadError):
    """Neither the name nor the bytes say txt, docx, pdf, doc or wps."""


class FileTooLargeError(PlanReadError):
    """The upload is larger than the configured limit."""


class TextEncodingError(PlanReadError):
    """A text file in an encoding we cannot decode."""


class ImageOnlyPdfError(PlanReadError):
    """A scanned PDF without a text layer; we do no OCR."""


class EncryptedDocumentError(PlanReadError):
    """A password-protected document."""


class CorruptDocumentError(PlanReadError):
    """A damaged file, or one whose bytes do not match its type."""


class ZipBombError(PlanReadError):
    """A docx whose members would expand to an unreasonable size."""


class ConverterMissingError(PlanReadError):
    """A .doc/.wps upload while LibreOffice is not installed."""


class ConversionFailedError(PlanReadError):
    """LibreOffice ran but produced no docx."""


class NoSectionsError(PlanReadError):
    """The text has no numbered parts, sections or items we recognise."""


class ImageTooLargeError(PlanReadError):
    """A page image whose header declares more pixels than we decode (decompression bombs)."""


class CorruptImageError(PlanReadError):
    """A JPG/PNG page that cannot be decoded."""


class OcrUnavailableError(PlanReadError):
    """The OCR engine is not installed on this server."""
