"""Photo evidence: metadata stripped, size limited, content-addressed, recorded per hazard."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from PIL import Image

from registry.attachments import (
    ATTACHMENTS,
    MAX_BYTES,
    AttachmentError,
    add_attachment,
    attachments_of,
    clean_photo,
    photo_dir,
    save_photo,
)
from registry.store import SQLiteStore

GPS_IFD = 0x8825


def jpeg_with_gps(size: tuple[int, int] = (64, 32), orientation: int | None = None) -> bytes:
    """A JPEG carrying camera make, GPS position (真如) and optionally an orientation."""
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "secret-camera-app"  # Software
    if orientation is not None:
        exif[0x0112] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (31.0, 15.0, 20.0)
    gps[3], gps[4] = "E", (121.0, 23.0, 40.0)
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_fixture_photo_really_has_gps():
    with Image.open(io.BytesIO(jpeg_with_gps())) as img:
        exif = img.getexif()
        assert exif[0x010F] == "PhoneMaker"
        assert exif.get_ifd(GPS_IFD)[2] == (31.0, 15.0, 20.0)


def test_stored_photo_has_no_exif_or_gps(tmp_path: Path):
    saved = save_photo(jpeg_with_gps(), tmp_path)
    raw = saved.path.read_bytes()
    assert b"Exif" not in raw and b"PhoneMaker" not in raw and b"secret-camera-app" not in raw
    with Image.open(saved.path) as img:
        assert img.format == "JPEG"
        assert len(img.getexif()) == 0
        assert "exif" not in img.info and "icc_profile" not in img.info
        assert img.size == (64, 32)


def test_orientation_is_applied_before_it_is_dropped():
    cleaned = clean_photo(jpeg_with_gps((64, 32), orientation=6))  # 6 = rotate 90° to view
    with Image.open(io.BytesIO(cleaned)) as img:
        assert img.size == (32, 64)
        assert len(img.getexif()) == 0


def test_oversize_photo_is_refused_in_chinese_and_nothing_is_written(tmp_path: Path):
    big = jpeg_with_gps() + b"\0" * MAX_BYTES
    with pytest.raises(AttachmentError, match=r"照片过大.*不能超过 10 MB"):
        save_photo(big, tmp_path / "photos")
    assert not (tmp_path / "photos").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "照片文件为空"), (b"%PDF-1.4 not a photo", "不是可识别的图片"),
     (jpeg_with_gps()[:200], "图片文件已损坏")],
)  # fmt: skip
def test_non_images_are_refused(tmp_path: Path, data: bytes, message: str):
    with pytest.raises(AttachmentError, match=message):
        save_photo(data, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_same_content_is_stored_once(tmp_path: Path):
    data = jpeg_with_gps()
    first, second = save_photo(data, tmp_path), save_photo(data, tmp_path)
    assert first == second
    assert [p.name for p in tmp_path.iterdir()] == [f"{first.sha256}.jpg"]
    other = save_photo(jpeg_with_gps((10, 10)), tmp_path)
    assert other.sha256 != first.sha256 and len(list(tmp_path.iterdir())) == 2


@pytest.fixture
def store_with_hazard(tmp_path: Path) -> tuple[Path, str, str]:
    path = tmp_path / "demo.db"
    store = SQLiteStore(path)
    store.add_sites(pd.DataFrame({"name": ["某仓库"], "lon": [121.39], "lat": [31.255],
                                  "category": ["厂房仓库"]}))
    iid, hids = store.add_inspection(
        {"site_id": "S000001", "date": "2024-06-03", "type": "日常", "team": "一组"},
        [{"level": "一般", "hazard_type": "消防", "part": "疏散通道", "description": "堆放杂物",
          "responsible_unit": "某仓库", "measures": "清理", "deadline": "2024-06-10"}],
    )
    store.close()
    return path, iid, hids[0]


def test_attachment_rows_are_recorded_beside_the_store(store_with_hazard):
    path, iid, hid = store_with_hazard
    assert attachments_of(path).empty  # no table yet: an empty frame, not an error
    data = jpeg_with_gps()
    a = add_attachment(path, data, kind="before", filename='<img src=x onerror="a()">.jpg',
                       user="张三", hazard_id=hid)
    b = add_attachment(path, data, kind="after", filename="after.jpg", user="张三", hazard_id=hid)
    c = add_attachment(path, data, kind="before", filename="现场.jpg", user="李四",
                       inspection_id=iid)
    again = add_attachment(path, data, kind="before", filename="retry.jpg", user="张三",
                           hazard_id=hid)
    assert again["attachment_id"] == a["attachment_id"]  # a retried save records it once
    rows = attachments_of(path)
    assert rows["attachment_id"].tolist() == [a["attachment_id"], b["attachment_id"],
                                              c["attachment_id"]]
    assert rows["kind"].tolist() == ["before", "after", "before"]
    assert rows["filename"].iloc[0] == '<img src=x onerror="a()">.jpg'  # kept as text
    assert rows["created_by"].tolist() == ["张三", "张三", "李四"]
    assert rows["sha256"].nunique() == 1
    assert [p.name for p in photo_dir(path).iterdir()] == [f"{a['sha256']}.jpg"]
    assert photo_dir(path) == path.parent / "demo.photos"
    # the store still opens and reads as before
    with SQLiteStore(path) as store:
        assert store.hazards()["hazard_id"].tolist() == [hid]


def test_bad_attachment_requests_are_refused(store_with_hazard):
    path, iid, hid = store_with_hazard
    data = jpeg_with_gps()
    with pytest.raises(AttachmentError, match="未知照片类型"):
        add_attachment(path, data, kind="during", filename="x.jpg", user="张三", hazard_id=hid)
    with pytest.raises(AttachmentError, match="二者选一"):
        add_attachment(path, data, kind="before", filename="x.jpg", user="张三",
                       hazard_id=hid, inspection_id=iid)
    with pytest.raises(AttachmentError, match="上传人"):
        add_attachment(path, data, kind="before", filename="x.jpg", user=" ", hazard_id=hid)
    assert attachments_of(path).empty
    assert not photo_dir(path).exists()


def test_database_refuses_an_attachment_without_owner(store_with_hazard):
    path, _, hid = store_with_hazard
    add_attachment(path, jpeg_with_gps(), kind="before", filename="x.jpg", user="张三",
                   hazard_id=hid)
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(ATTACHMENTS.insert().values(kind="before", sha256="0", filename="",
                                                     created_by="x", created_at="2024"))
    finally:
        engine.dispose()
    assert len(attachments_of(path)) == 1


def test_an_attachment_is_a_write_of_the_store_with_its_audit_record(store_with_hazard):
    from registry.store import SQLiteStore
    from registry.validate import RegistryValidationError

    path, _iid, hid = store_with_hazard
    with SQLiteStore(path) as store:
        row = store.add_attachment(jpeg_with_gps(), kind="after", filename="a.jpg", user="张三",
                                   hazard_id=hid)
        log = store.audit_log()
        last = log.iloc[-1]
        assert (last["action"], last["user"], last["entity_id"]) == (
            "add_attachment", "张三", str(row["attachment_id"]))
        with pytest.raises(RegistryValidationError, match="不存在"):
            store.add_attachment(jpeg_with_gps(), kind="after", filename="b.jpg", user="张三",
                                 hazard_id="YH-2099-01-0001")
        assert len(store.attachments()) == 1
