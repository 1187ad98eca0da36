"""Photo evidence (整改前 / 整改后) of hazards and inspections, stored beside the store file.

A photo is cleaned before it is kept (:func:`clean_photo`): at most :data:`MAX_BYTES` as
uploaded, decoded with Pillow, turned upright by its EXIF orientation and re-encoded as JPEG
*without* any metadata, so no EXIF, GPS position or camera serial leaves the phone with it.
The file is named by the SHA-256 of the cleaned bytes in the folder ``<store stem>.photos/``
beside the store (:func:`photo_dir`): the same photo is stored once however often it is sent.

Each attachment is one row of the table ``attachments`` (:data:`ATTACHMENTS`, in
``registry.schema.metadata`` like the audit table): ``attachment_id``, ``hazard_id`` or
``inspection_id`` (exactly one), ``kind`` (``before`` / ``after``), ``sha256``, the original
``filename`` (user-supplied: escape when shown), ``created_by``, ``created_at``.

Examples
--------
>>> import io, tempfile
>>> from PIL import Image
>>> buf = io.BytesIO(); Image.new("RGB", (4, 3), "red").save(buf, "PNG")
>>> folder = Path(tempfile.mkdtemp())
>>> saved = save_photo(buf.getvalue(), folder)
>>> saved.path.name == f"{saved.sha256}.jpg", Image.open(saved.path).format
(True, 'JPEG')
>>> save_photo(buf.getvalue(), folder).path == saved.path  # stored once
True
>>> clean_photo(b"not an image")
Traceback (most recent call last):
...
registry.attachments.AttachmentError: 文件不是可识别的图片（支持 JPEG、PNG、WebP）
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from PIL import Image, ImageOps, UnidentifiedImageError

from registry.schema import metadata

__all__ = [
    "ATTACHMENTS",
    "KINDS",
    "KIND_LABELS",
    "MAX_BYTES",
    "MAX_PIXELS",
    "AttachmentError",
    "SavedPhoto",
    "add_attachment",
    "attachment_record",
    "attachments_of",
    "clean_photo",
    "photo_dir",
    "photos_of",
    "save_photo",
    "site_photos",
    "store_once",
]

#: Largest upload accepted (bytes).
MAX_BYTES = 10 * 1024 * 1024
#: Largest image accepted (pixels; guards against decompression bombs).
MAX_PIXELS = 40_000_000
#: Longest side of the stored JPEG (px); larger photos are scaled down.
MAX_SIDE = 2560
#: Kinds of attachment: before / after rectification.
KINDS: tuple[str, ...] = ("before", "after")
#: Chinese labels of :data:`KINDS`.
KIND_LABELS: Mapping[str, str] = {"before": "整改前", "after": "整改后"}

ATTACHMENTS = sa.Table(
    "attachments",
    metadata,
    sa.Column("attachment_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("hazard_id", sa.Text, index=True),
    sa.Column("inspection_id", sa.Text, index=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("filename", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.CheckConstraint("kind IN ('before', 'after')", name="attachment_kind"),
    sa.CheckConstraint(
        "(hazard_id IS NULL) <> (inspection_id IS NULL)", name="attachment_one_owner"
    ),
    sqlite_autoincrement=True,
)


class AttachmentError(ValueError):
    """A photo cannot be accepted (Chinese message); nothing was stored."""


@dataclass(frozen=True)
class SavedPhoto:
    """A cleaned photo on disk: its content hash and path."""

    sha256: str
    path: Path


def photo_dir(store_path: str | os.PathLike[str]) -> Path:
    """Folder of the photos of a store: ``<store stem>.photos/`` beside the store file.

    Examples
    --------
    >>> photo_dir("/data/zhenru.db").as_posix()
    '/data/zhenru.photos'
    """
    p = Path(store_path)
    return p.with_name(f"{p.stem}.photos")


def clean_photo(data: bytes, max_bytes: int = MAX_BYTES) -> bytes:
    """The photo re-encoded as JPEG with no metadata (EXIF, GPS, ICC, comments dropped).

    Parameters
    ----------
    data : bytes
        The uploaded file.
    max_bytes : int
        Largest upload accepted.

    Returns
    -------
    bytes
        JPEG, upright (EXIF orientation applied), longest side at most :data:`MAX_SIDE`.

    Raises
    ------
    AttachmentError
        Empty, too large, not an image, or too many pixels (Chinese message).
    """
    if not data:
        raise AttachmentError("照片文件为空")
    if len(data) > max_bytes:
        raise AttachmentError(
            f"照片过大（{len(data) / 1024 / 1024:.1f} MB），单张不能超过 {max_bytes / 1024 / 1024:g} MB"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise AttachmentError(
                        f"照片像素过多（{img.width}×{img.height}），请缩小后再上传"
                    )
                img.load()
                upright = ImageOps.exif_transpose(img)
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as err:
        raise AttachmentError("文件不是可识别的图片（支持 JPEG、PNG、WebP）") from err
    except OSError as err:  # truncated or corrupt image data
        raise AttachmentError(f"图片文件已损坏，无法读取（{err}）") from err
    rgb = upright.convert("RGB")  # drops alpha/palette; a fresh image carries no info dict
    rgb.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=85, optimize=True)  # no exif=, icc_profile=: none written
    return out.getvalue()


def save_photo(data: bytes, folder: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> SavedPhoto:
    """Clean a photo (:func:`clean_photo`) and store it as ``<folder>/<sha256>.jpg`` once.

    The file is written to a temporary name and renamed into place, so a crash never leaves
    a half-written photo; an existing file of the same hash is kept as it is.

    Raises
    ------
    AttachmentError
        See :func:`clean_photo`; nothing is written.
    """
    cleaned = clean_photo(data, max_bytes)
    digest = hashlib.sha256(cleaned).hexdigest()
    target = Path(folder) / f"{digest}.jpg"
    store_once(target, cleaned)
    return SavedPhoto(digest, target)


def store_once(target: Path, data: bytes) -> None:
    """Write a content-addressed file once: to a temporary name, then renamed into place (a
    crash never leaves a half-written file); an existing file is kept as it is.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "sub" / "ab.jpg"
    >>> store_once(f, b"x"); store_once(f, b"y"); f.read_bytes()
    b'x'
    """
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def attachment_record(
    store_path: str | os.PathLike[str],
    data: bytes,
    *,
    kind: str,
    filename: str,
    user: str,
    hazard_id: str | None = None,
    inspection_id: str | None = None,
) -> dict[str, Any]:
    """Check an upload, store the cleaned photo beside the store, and return its row.

    The row is written by :meth:`registry.store.SQLiteStore.add_attachment` (the store's one
    write path, with its audit record); the photo file itself is content-addressed, so a
    photo stored for a write that then fails is harmless and reused by the next try.

    Raises
    ------
    AttachmentError
        Bad photo, kind, owner or user (Chinese message); nothing is stored.
    """
    if kind not in KINDS:
        raise AttachmentError(f"未知照片类型“{kind}”（应为 整改前/整改后）")
    if (hazard_id is None) == (inspection_id is None):
        raise AttachmentError("照片须属于一条隐患或一次检查（二者选一）")
    if not (user or "").strip():
        raise AttachmentError("请填写上传人")
    saved = save_photo(data, photo_dir(store_path))
    return {
        "hazard_id": hazard_id,
        "inspection_id": inspection_id,
        "kind": kind,
        "sha256": saved.sha256,
        "filename": (filename or "")[:255],
        "created_by": user.strip(),
        "created_at": dt.datetime.now().isoformat(timespec="seconds"),
    }


def photos_of(attachments: pd.DataFrame, store_path: str | os.PathLike[str], *,
              hazard_id: str | None = None, inspection_id: str | None = None) -> pd.DataFrame:
    """The photos of one hazard or inspection: rows with ``path`` (the file beside the store)
    and ``label`` (整改前/整改后 · file name · who), oldest first; files gone are left out.

    Examples
    --------
    >>> rows = pd.DataFrame({"hazard_id": ["H1", "H2"], "inspection_id": [None, None],
    ...     "kind": ["before", "after"], "sha256": ["ab", "cd"], "filename": ["x.jpg", "y.jpg"],
    ...     "created_by": ["张三", "李四"], "attachment_id": [1, 2]})
    >>> photos_of(rows, "/nonexistent/s.db", hazard_id="H1").empty  # the file is not there
    True
    """
    if attachments.empty:
        return attachments.assign(path=[], label=[])
    column, key = ("hazard_id", hazard_id) if hazard_id is not None else ("inspection_id", inspection_id)
    rows = attachments[attachments[column].astype(str) == str(key)].copy()
    folder = photo_dir(store_path)
    rows["path"] = [folder / f"{sha}.jpg" for sha in rows["sha256"]]
    rows = rows.loc[pd.Series([p.is_file() for p in rows["path"]], index=rows.index, dtype=bool)]
    rows["label"] = [
        f"{KIND_LABELS.get(k, k)} · {f} · {u}"
        for k, f, u in zip(rows["kind"], rows["filename"], rows["created_by"], strict=True)
    ]
    return rows.reset_index(drop=True)


def site_photos(
    attachments: pd.DataFrame,
    hazards: pd.DataFrame,
    inspections: pd.DataFrame,
    store_path: str | os.PathLike[str],
    site_id: str,
    limit: int = 12,
) -> pd.DataFrame:
    """The newest ``limit`` photos of one unit (of its hazards and its inspections), with
    ``path`` and ``label`` as :func:`photos_of` gives them, the hazard id in the label.

    Examples
    --------
    >>> rows = pd.DataFrame({"hazard_id": ["H1"], "inspection_id": [None], "kind": ["before"],
    ...     "sha256": ["ab"], "filename": ["x.jpg"], "created_by": ["张三"], "attachment_id": [1]})
    >>> site_photos(rows, pd.DataFrame({"hazard_id": ["H1"], "site_id": ["S1"]}),
    ...             pd.DataFrame({"inspection_id": [], "site_id": []}), "/nonexistent/s.db", "S1").empty
    True
    """
    if attachments.empty:
        return attachments.assign(path=[], label=[])
    hids = set(hazards.loc[hazards["site_id"].astype(str) == str(site_id), "hazard_id"].astype(str))
    iids = set(
        inspections.loc[inspections["site_id"].astype(str) == str(site_id), "inspection_id"].astype(str)
    )
    mine = attachments[
        attachments["hazard_id"].astype(str).isin(hids)
        | attachments["inspection_id"].astype(str).isin(iids)
    ].sort_values("attachment_id", ascending=False).head(limit)
    folder = photo_dir(store_path)
    mine = mine.assign(path=[folder / f"{sha}.jpg" for sha in mine["sha256"]])
    mine = mine.loc[pd.Series([p.is_file() for p in mine["path"]], index=mine.index, dtype=bool)]
    mine["label"] = [
        f"{h if isinstance(h, str) and h else '检查照片'} · {KIND_LABELS.get(k, k)} · {f}"
        for h, k, f in zip(mine["hazard_id"], mine["kind"], mine["filename"], strict=True)
    ]
    return mine.reset_index(drop=True)


def add_attachment(store_path: str | os.PathLike[str], data: bytes, **fields: Any) -> dict[str, Any]:
    """Attach a photo to a hazard or an inspection of the store at ``store_path``.

    Shorthand for :meth:`registry.store.SQLiteStore.add_attachment` (same keyword arguments:
    ``kind``, ``filename``, ``user``, ``hazard_id`` or ``inspection_id``).

    Returns
    -------
    dict
        The recorded row (with ``attachment_id``); the existing row when the same photo is
        already attached to the same record as the same kind (a retried save writes once).
    """
    from registry.store import SQLiteStore  # (the store imports this module)

    with SQLiteStore(store_path) as store:
        return store.add_attachment(data, **fields)


def attachments_of(store_path: str | os.PathLike[str]) -> pd.DataFrame:
    """All attachment rows of the store at ``store_path`` (:meth:`SQLiteStore.attachments`)."""
    from registry.store import SQLiteStore  # (the store imports this module)

    with SQLiteStore(store_path) as store:
        return store.attachments()
