"""Issue 15: the migrations run from an empty database with the page-version listeners
installed (migrations before 0017 commit writes while page_version does not exist yet), and
0017 leaves the counter's row."""

from __future__ import annotations

import sqlalchemy as sa

from starrating import create_app
from tests.conftest import _config_dict


def test_upgrade_from_empty_creates_the_counter_and_writes_before_it_do_not_fail(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": url,
                      "STARRATING_FILES_DIR": str(tmp_path / "files")})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        # 0017 made row 1 (the one counter then; now school 1's), and the migrations' own
        # writes after it (outside any request) bumped the instance's row, 0
        assert sorted(conn.execute(sa.text("SELECT id FROM page_version")).scalars()) == [0, 1]
    engine.dispose()
