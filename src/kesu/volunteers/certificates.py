"""志愿服务记录证明 as a Word file: the hours as issued, the issuer, and where to check it."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from kesu.core.personal import mask_id_number
from kesu.volunteers.hours import fmt
from kesu.volunteers.models import Certificate


def certificate_docx(certificate: Certificate, check_url: str) -> bytes:
    volunteer = certificate.volunteer
    document = Document()
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("志愿服务记录证明")
    run.bold, run.font.size = True, Pt(20)
    document.add_paragraph(
        f"兹证明 {volunteer.name}（身份证号 {mask_id_number(volunteer.id_last4)}）"
        f"截至 {certificate.issued_at:%Y年%m月%d日} 参加志愿服务 {certificate.activities} 次，"
        f"累计记入服务时长 {fmt(certificate.hours)} 小时。"
    )
    document.add_paragraph("本证明依据组织方记录出具（谁组织谁记录，谁记录谁证明）。")
    document.add_paragraph(f"出具单位：{certificate.issuer}")
    document.add_paragraph(f"验证码：{certificate.code}")
    document.add_paragraph(f"查验地址：{check_url}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
