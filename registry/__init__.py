"""Registry: domain model (sectors, departments, enums), USCC validation and the SQLite store.

Submodules
----------
sectors   sector table of the work plan (``SECTORS``, ``DEPARTMENTS``)
enums     controlled vocabularies, risk levels and colours, derived flags (逾期)
uscc      统一社会信用代码 check character (GB 32100-2015)
schema    SQLAlchemy table definitions of the store
store     ``Store`` protocol, ``SQLiteStore``, ``default_store()``
validate  table validation with Chinese messages
importer  load a user's own registry from CSV/XLSX
"""
