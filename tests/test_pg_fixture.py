import sqlalchemy as sa


def test_both_backends_answer(db_url):
    eng = sa.create_engine(db_url)
    with eng.connect() as c:
        assert c.execute(sa.text("select 1 + 1")).scalar() == 2
    assert eng.dialect.name in {"sqlite", "postgresql"}
    eng.dispose()
