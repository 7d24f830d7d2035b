"""Personal data is matched by a keyed hash, kept encrypted and shown masked."""

from __future__ import annotations

import pytest
from django.test import override_settings

from kesu.core.personal import (
    PersonalDataError,
    StoredIdNumber,
    decrypt_text,
    encrypt_text,
    id_number_error,
    id_number_hash,
    mask_id_number,
    mask_mobile,
    mask_name,
    mobile_error,
)

# 11010519491231002X is the worked example of GB 11643-1999's appendix.
VALID = "11010519491231002X"


def test_the_standards_worked_example_passes_the_check_digit() -> None:
    assert id_number_error(VALID) is None
    assert id_number_error(VALID.lower()) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [("110105194912310021", "校验位"), ("11010519491331002X", "出生日期"), ("1101051949", "18 位")],
)
def test_a_wrong_id_number_is_refused_in_chinese(text: str, words: str) -> None:
    assert words in (id_number_error(text) or "")
    with pytest.raises(PersonalDataError):
        StoredIdNumber.of(text)


def test_the_same_person_imported_twice_has_the_same_hash_but_no_readable_number() -> None:
    first, second = StoredIdNumber.of(VALID), StoredIdNumber.of(" 11010519491231002x ")
    assert first.hash == second.hash == id_number_hash(VALID)
    assert VALID not in first.hash + first.cipher
    assert first.cipher != second.cipher  # encryption is randomised; matching goes through the hash
    assert decrypt_text(first.cipher) == VALID
    assert mask_id_number(first.last4) == "**************002X"


def test_a_changed_key_can_no_longer_read_or_match_what_was_stored() -> None:
    stored = StoredIdNumber.of(VALID)
    with override_settings(KESU_PERSONAL_DATA_KEY="another key"):
        assert id_number_hash(VALID) != stored.hash
        with pytest.raises(PersonalDataError, match="无法解密"):
            decrypt_text(stored.cipher)
    assert decrypt_text(encrypt_text("钉钉密钥")) == "钉钉密钥"


def test_phones_and_names_are_masked_for_lists_and_public_pages() -> None:
    assert mask_mobile("13812345678") == "138****5678"
    assert mobile_error("13812345678") is None
    assert "11 位" in (mobile_error("1381234567") or "")
    assert mask_name("欧阳修") == "欧**"
