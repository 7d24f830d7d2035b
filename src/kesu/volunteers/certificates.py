"""志愿服务记录证明 as a Word file: the hours as issued, the issuer, and where to check it. Written on
A4 with the Chinese fonts of the other documents (``reporting.documents``), as it is printed."""

from __future__ import annotations

from kesu.core.personal import mask_id_number
from kesu.reporting.documents import _bytes, _new_document, _paragraph
from kesu.volunteers.hours import fmt
from kesu.volunteers.models import Certificate


def certificate_docx(certificate: Certificate, check_url: str) -> bytes:
    volunteer = certificate.volunteer
    document = _new_document("志愿服务记录证明")
    _paragraph(
        document,
        f"兹证明 {volunteer.name}（身份证号 {mask_id_number(volunteer.id_last4)}）"
        f"截至 {certificate.issued_at:%Y年%m月%d日} 参加志愿服务 {certificate.activities} 次，"
        f"累计记入服务时长 {fmt(certificate.hours)} 小时。",
    )
    _paragraph(document, "本证明依据组织方记录出具（谁组织谁记录，谁记录谁证明）。")
    _paragraph(document, f"出具单位：{certificate.issuer}")
    _paragraph(document, f"验证码：{certificate.code}")
    _paragraph(document, f"查验地址：{check_url}")
    return _bytes(document)
