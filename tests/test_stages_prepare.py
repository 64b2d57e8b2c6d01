"""The prepare stage refuses a source file that is not what it should be, in one line naming it."""

from __future__ import annotations

import gzip

import pytest
import yaml

from conftest import make_prices
from seqcase.errors import DataError
from seqcase.stages import prepare


def prepare_from(tmp_path, raw_params, content: bytes, name: str = "prices.csv"):
    raw_params["sources"]["prices"]["path"] = name
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw_params))
    (tmp_path / "raw" / "prices").mkdir(parents=True)
    (tmp_path / "raw" / "prices" / name).write_bytes(content)
    return prepare.run(tmp_path / "params.yaml", "tiny", raw_root=tmp_path / "raw")


def test_a_zero_byte_file_is_named_as_empty(tmp_path, raw_params):
    with pytest.raises(DataError, match=r"raw/prices/prices.csv: empty \(no header, no rows\)$"):
        prepare_from(tmp_path, raw_params, b"")


def test_a_truncated_gzip_file_is_named_as_cut_short(tmp_path, raw_params):
    whole = gzip.compress(make_prices(200).to_csv(index=False).encode())
    with pytest.raises(DataError, match=r"raw/prices/prices.csv.gz: a compressed file that is cut short or damaged"):
        prepare_from(tmp_path, raw_params, whole[: len(whole) // 2], name="prices.csv.gz")


def test_a_latin_1_file_is_named_with_the_byte_that_is_not_utf_8(tmp_path, raw_params):
    text = make_prices(200).to_csv(index=False).replace("Volume", "Volumé")
    with pytest.raises(DataError, match=r"raw/prices/prices.csv: not UTF-8 text \(byte 0xe9 at position \d+\); save "
                                        r"it as UTF-8"):
        prepare_from(tmp_path, raw_params, text.encode("latin-1"))


def test_a_check_of_the_rows_names_the_files_it_read(tmp_path, raw_params, monkeypatch):
    from seqcase.tasks import get_task

    def refuse(case, locate, seed):
        locate(None)
        raise DataError("class(es) ['12'] have fewer than 2 examples: they cannot be on both sides of a split")

    monkeypatch.setattr(get_task("forecasting"), "prepare", refuse)
    with pytest.raises(DataError, match=r"^\S*raw/prices/prices.csv: class\(es\) \['12'\] have fewer than 2"):
        prepare_from(tmp_path, raw_params, make_prices(200).to_csv(index=False).encode())


def test_a_message_that_names_its_file_already_is_left_alone(tmp_path, raw_params):
    with pytest.raises(DataError, match=r"^\S*raw/prices/prices.csv: empty"):
        prepare_from(tmp_path, raw_params, b"")
