"""Personal data: ID numbers and phones kept so they can be matched without being read.

A 身份证号 is stored three ways, never in clear: a keyed hash (to find the same person in two imports),
the encrypted number (for the few who may reveal it) and its last four characters (what lists show).
Every reveal is an audit event. The keys come from ``KESU_PERSONAL_DATA_KEY`` (falling back to
``SECRET_KEY``), so a copied database alone reveals nothing.

Registries use it like this::

    stored = StoredIdNumber.of(text)          # raises PersonalDataError with a Chinese message
    volunteer.id_hash, volunteer.id_cipher, volunteer.id_last4 = stored.hash, stored.cipher, stored.last4
    mask_id_number(volunteer.id_last4)        # "**************1234"
    reveal_id_number(actor, volunteer, volunteer.id_cipher, region=...)  # audited, returns the number
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

if TYPE_CHECKING:
    from django.db import models

    from kesu.accounts.models import User
    from kesu.regions.models import Region

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"  # GB 11643: the check character for each remainder mod 11


class PersonalDataError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _secret() -> bytes:
    return str(getattr(settings, "KESU_PERSONAL_DATA_KEY", "") or settings.SECRET_KEY).encode()


@lru_cache(maxsize=4)
def _derived(purpose: str, secret: bytes) -> bytes:
    # One key per purpose, so the matching hash can never be used to decrypt and vice versa.
    return hmac.new(secret, f"kesu-personal:{purpose}".encode(), hashlib.sha256).digest()


def keyed_hash(kind: str, value: str) -> str:
    """The same value of the same kind always gives the same hex digest; without the key, nothing."""
    key = _derived(f"hash:{kind}", _secret())
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived("encrypt", _secret())))


def encrypt_text(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt_text(token: str) -> str:
    """Raises PersonalDataError if the key changed since the text was stored."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as error:
        raise PersonalDataError("无法解密：密钥已更换或数据已损坏，请联系系统管理员") from error


def normalise_id_number(text: str) -> str:
    return re.sub(r"\s+", "", str(text or "")).upper().replace("x", "X")


def id_number_error(text: str) -> str | None:
    """None when ``text`` is a valid 18-character 居民身份证号码, else what is wrong, in Chinese."""
    number = normalise_id_number(text)
    if not _ID_RE.match(number):
        return "身份证号应为 18 位（前 17 位为数字，最后一位为数字或 X）"
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return f"身份证号中的出生日期 {number[6:14]} 不存在"
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != number[17]:
        return "身份证号校验位不对，请核对是否抄错"
    return None


def birth_date_of(id_number: str) -> date:
    number = normalise_id_number(id_number)
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


@dataclass(frozen=True)
class StoredIdNumber:
    hash: str  # keyed hash: equal numbers, equal hashes
    cipher: str  # encrypted, for an audited reveal
    last4: str

    @classmethod
    def of(cls, text: str) -> StoredIdNumber:
        error = id_number_error(text)
        if error:
            raise PersonalDataError(error)
        number = normalise_id_number(text)
        return cls(keyed_hash("id_number", number), encrypt_text(number), number[-4:])


def id_number_hash(text: str) -> str:
    """For a lookup by a number someone typed: the hash it was stored under."""
    return keyed_hash("id_number", normalise_id_number(text))


def mask_id_number(last4: str) -> str:
    return f"{'*' * 14}{last4}" if last4 else ""


def mobile_error(text: str) -> str | None:
    return (
        None if MOBILE_RE.match(str(text or "").strip()) else "手机号应为 11 位大陆手机号码，如 13812345678"
    )


def mask_mobile(mobile: str) -> str:
    """138****5678: enough for a colleague to recognise the number, not to copy it from a list."""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) == 11 else ("****" if mobile else "")


def mask_name(name: str) -> str:
    """张*, 欧阳** : what a public check page may show."""
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


def secret_hint(secret: str) -> str:
    """How a stored secret is shown again: that it is set, and its last four characters."""
    return f"已设置（末4位 {secret[-4:]}）" if secret else "未设置"


def reveal(
    actor: User,
    target: models.Model,
    cipher: str,
    *,
    field: str,
    region: Region | None,
    reason: str = "",
) -> str:
    """Decrypt one stored value for ``actor`` and record that they saw it. The caller checks the right."""
    from kesu.core import audit

    plain = decrypt_text(cipher)
    audit.record(
        actor,
        "personal.reveal",
        target,
        region=region,
        note=f"查看完整{field}{f'：{reason}' if reason else ''}",
    )
    return plain
