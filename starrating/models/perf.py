"""The page version (issue 15): one counter every committed write to what pages show bumps,
so every app server can tell with one primary-key read whether a fragment it rendered is
still current (starrating/page_cache.py)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class PageVersion(db.Model):
    __tablename__ = "page_version"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0,
                                         server_default="0")
