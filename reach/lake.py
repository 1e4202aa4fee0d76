"""DuckLake: one shared history for many collectors (``--db ducklake:…``).

A DuckLake is DuckDB's lakehouse format: a SQL *catalog* (here SQLite or PostgreSQL) plus Parquet
*data files* under a data path. :class:`~reach.store.Store` uses one when its path starts with
``ducklake:``::

    ducklake:sqlite:/srv/reach/catalog.sqlite          several processes on ONE machine
    ducklake:postgres:dbname=reach host=10.0.0.5 user=reach   several machines

The data path (Parquet files) is given with ``--data-path`` / ``REACH_DATA_PATH`` / config
``data_path`` when the lake is created; it is stored in the catalog, so later clients need not give
it. A SQLite catalog defaults to ``<catalog>.files/`` beside it. A PostgreSQL password never goes in
the target (it would show in process lists and logs): use ``PGPASSWORD`` or ``~/.pgpass``.

**Offline extensions.** The ``ducklake`` and ``sqlite``/``postgres`` extensions come from the
``duckdb-extension-*`` wheels of the ``lake`` extra (``pip install '.[lake]'`` in a checkout), pinned to the
duckdb version: each is INSTALLed from the wheel's file into a private extension folder, then LOADed
by name, with automatic installing and loading switched off, so nothing reaches for the network.

**Concurrency.** DuckLake has no primary keys, unique constraints or indexes, and commits are
optimistic. Every write transaction of the store first updates the one row of ``reach_lake_guard``,
so two concurrent write transactions always conflict and one of them is rolled back; together with
snapshot isolation this makes writes serialisable, and the store's own uniqueness checks
(deterministic snapshot ids, "insert when absent") hold across processes and machines. Commit
conflicts and a busy SQLite catalog are retried here (:func:`retrying`), with jittered exponential
backoff around the *whole* transaction, for up to the store's ``lock_timeout`` seconds.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sqlite3  # the standard library's: cheap to import
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb

from .errors import ConfigError, DatabaseBusy, NotFound

PREFIX = "ducklake:"
ALIAS = "lake"
GUARD_TABLE = "reach_lake_guard"
"""One row, updated by every write transaction: concurrent writers conflict instead of interleaving."""
EXTRA_HINT = "DuckLake needs the lake extra: pip install '.[lake]' in your reach checkout"
_EXTENSIONS = {"ducklake": "duckdb_extension_ducklake", "sqlite": "duckdb_extension_sqlite",
               "postgres": "duckdb_extension_postgres"}  # fmt: skip
_TRANSIENT = (
    "database is locked",
    "database table is locked",
    "failed to flush changes into ducklake",
    "failed to commit ducklake transaction",
    "transaction conflict",
    "failed to query most recent snapshot",
    "could not serialize access",
    "deadlock detected",
    "duplicate key value violates unique constraint",
)

T = TypeVar("T")


@dataclass(frozen=True)
class LakeTarget:
    """Where a lake is.

    Attributes:
        catalog: ``"sqlite"`` or ``"postgres"``.
        location: the SQLite catalog file (absolute path), or the PostgreSQL connection string
            (``dbname=… host=… port=… user=…``, no password).
        data_path: the folder (or object-store URL) for the Parquet files; ``None`` for an existing
            PostgreSQL lake (the catalog knows it).
        default_data: ``data_path`` is the SQLite default ``<catalog>.files`` (none was given): used
            only when the lake is created; an existing lake keeps the data path it was made with.
    """

    catalog: str
    location: str
    data_path: str | None = None
    default_data: bool = False

    def __str__(self) -> str:
        return f"{PREFIX}{self.catalog}:{self.location}"

    @property
    def one_machine(self) -> bool:
        """A SQLite catalog serves the processes of one machine only."""
        return self.catalog == "sqlite"


def is_lake(db: str | Path | None) -> bool:
    """Whether a ``--db`` value names a DuckLake (``ducklake:…``) rather than a DuckDB file."""
    return db is not None and str(db).startswith(PREFIX)


def parse_target(db: str | Path, data_path: str | Path | None = None) -> LakeTarget:
    """Read a ``ducklake:<catalog>:<location>`` target.

    Raises:
        ConfigError: unknown catalog kind, empty location, a password in the PostgreSQL string, or a
            SQLite catalog in a folder that does not exist.
    """
    text = str(db)[len(PREFIX) :]
    kind, _, location = text.partition(":")
    kind, location = kind.strip().lower(), location.strip()
    if not kind:
        raise ConfigError(
            "the DuckLake target names no catalog: use ducklake:sqlite:/path/catalog.sqlite (one machine) "
            "or ducklake:postgres:dbname=reach host=HOST user=USER (several machines)"
        )
    data = str(data_path).strip() if data_path is not None and str(data_path).strip() else None
    if data is not None and "://" not in data:
        data = str(Path(data).expanduser().resolve())
    if kind == "sqlite":
        if not location:
            raise ConfigError("the DuckLake target names no catalog file: use ducklake:sqlite:/path/catalog.sqlite")
        path = Path(location).expanduser().resolve()
        if path.is_dir():
            raise ConfigError(f"DuckLake catalog {path} is a folder: give a file such as {path}/catalog.sqlite")
        if not path.parent.is_dir():
            raise ConfigError(f"cannot create DuckLake catalog {path}: folder {path.parent} does not exist")
        return LakeTarget("sqlite", str(path), data or f"{path}.files", default_data=data is None)
    if kind in ("postgres", "postgresql"):
        if not location:
            raise ConfigError(
                "the DuckLake target names no PostgreSQL database: "
                "use ducklake:postgres:dbname=reach host=HOST user=USER"
            )
        refuse_password(location)
        return LakeTarget("postgres", location, data)
    raise ConfigError(
        f"unknown DuckLake catalog {kind!r}: use ducklake:sqlite:/path/catalog.sqlite (one machine) "
        "or ducklake:postgres:dbname=reach host=HOST user=USER (several machines)"
    )


def refuse_password(db: str | Path) -> None:
    """Stop a ``--db`` value that holds a password (``password=…`` or ``user:secret@`` in a URI),
    before it can reach a message, a log, a config listing or a cron line; the password is never shown.

    Raises:
        ConfigError: a password is in the text.
    """
    text = str(db)
    if "password" in text.lower() or re.search(r"[^\s:/@]+:[^\s@]*@", text[len(PREFIX) :]):
        raise ConfigError(
            "the DuckLake target holds a password: remove it and use PGPASSWORD or ~/.pgpass "
            "(a password in --db would show in process lists and logs)"
        )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def extension_file(name: str) -> Path:
    """The ``<name>.duckdb_extension`` file shipped by its ``duckdb-extension-<name>`` wheel for the
    running duckdb version.

    Raises:
        ConfigError: the wheel is missing, or built for another duckdb version.
    """
    package = _EXTENSIONS[name]
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):  # a half-removed package
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(EXTRA_HINT)
    version = duckdb.__version__
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
        if path.is_file():
            return path
    raise ConfigError(f"{EXTRA_HINT} (the {name} extension for duckdb {version} is missing; reinstall the extra)")


def extension_dir() -> Path:
    """A private folder for the installed extensions (never the shared ``~/.duckdb``)."""
    import platformdirs

    path = Path(platformdirs.user_cache_dir("reach", appauthor=False)) / "duckdb-extensions"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the DuckLake extension folder {path}: {exc.strerror} "
            "(set XDG_CACHE_HOME to a writable folder)"
        ) from None
    return path


def open_connection(*targets: tuple[str, LakeTarget | str, bool]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with each ``(alias, target, read_only)`` attached: a lake
    (extensions loaded offline) or a DuckDB file. Nothing is created for a read-only target.

    Raises:
        ConfigError: the lake extra is missing, or a target cannot be attached (message names it).
        NotFound: a read-only SQLite-catalog lake that does not exist.
    """
    lakes = [t for _, t, _ in targets if isinstance(t, LakeTarget)]
    needed = ["ducklake"] if lakes else []
    needed += sorted({t.catalog for t in lakes})
    files = {name: extension_file(name) for name in needed}
    con = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "extension_directory": str(extension_dir()) if files else os.devnull,
        },
    )
    try:
        if files:
            import filelock

            # collectors starting together must not write the same extension file at once (INSTALL of an
            # installed extension is a no-op: loading needs no lock)
            with filelock.FileLock(extension_dir() / ".install.lock", timeout=120, mode=0o600):
                for path in files.values():
                    con.execute(f"INSTALL {_quote(str(path))}")
            for name in files:
                con.execute(f"LOAD {name}")
        for alias, target, read_only in targets:
            _attach(con, alias, target, read_only)
    except BaseException:
        con.close()
        raise
    return con


def _attach(con: duckdb.DuckDBPyConnection, alias: str, target: LakeTarget | str, read_only: bool) -> None:
    if isinstance(target, str):
        con.execute(f"ATTACH {_quote(target)} AS {alias}" + (" (READ_ONLY)" if read_only else ""))
        return
    options = []
    data_path = target.data_path
    existing = target.catalog == "sqlite" and _sqlite_lake_exists(Path(target.location))
    if existing and target.default_data:
        data_path = None  # the lake knows its own (perhaps given with --data-path when it was made)
    local_data = data_path is not None and not read_only and not existing and "://" not in data_path
    if local_data:
        _check_data_path(Path(str(data_path)))  # before anything is created
    if target.catalog == "sqlite":
        catalog = Path(target.location)
        if not catalog.exists():
            if read_only:
                raise NotFound(f"no DuckLake catalog at {catalog} yet")
            _new_sqlite_catalog(catalog)
        _wal(catalog)
    if data_path is not None and not read_only:
        if local_data:
            try:
                Path(data_path).mkdir(mode=0o700, exist_ok=True)
            except OSError as exc:
                text = f"cannot create the DuckLake data folder {data_path}: {exc.strerror}"
                raise ConfigError(text) from None
        options.append(f"DATA_PATH {_quote(data_path)}")
    if read_only:
        options.append("READ_ONLY")
    sql = f"ATTACH {_quote(f'{PREFIX}{target.catalog}:{target.location}')} AS {alias}"
    sql += f" ({', '.join(options)})" if options else ""

    def attach() -> None:
        con.execute(sql)

    def racing(exc: BaseException) -> bool:  # two collectors creating the same new lake at once
        return isinstance(exc, duckdb.Error) and "already exists" in str(exc) and "initialize" in str(exc)

    try:
        retrying(attach, timeout=30.0, also=racing)
    except duckdb.Error as exc:
        text = str(exc)
        if "data_path is not set" in text:
            raise ConfigError(
                f"{target} is a new DuckLake: give the folder for its data files with --data-path "
                "(or REACH_DATA_PATH, or data_path in the config)"
            ) from None
        if "does not match existing data path" in text:
            raise ConfigError(
                f"--data-path {target.data_path} differs from the data path stored in {target}: "
                "leave --data-path out (the lake knows its own)"
            ) from None
        raise ConfigError(f"cannot open DuckLake {target}: {text.strip().splitlines()[0]}") from None


def _sqlite_lake_exists(path: Path) -> bool:
    """Whether a SQLite catalog file already holds a DuckLake (not just an empty or new file)."""
    if not path.is_file():
        return False
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error:
        return False
    try:
        return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'ducklake_metadata'").fetchone() is not None
    except sqlite3.Error:
        return False
    finally:
        db.close()


def _check_data_path(path: Path) -> None:
    """A lake's local data folder must be a folder, or creatable in a writable folder.

    Raises:
        ConfigError: it is a file, its parent folder is missing, or a folder cannot be written.
    """
    hint = "give a folder with --data-path (or REACH_DATA_PATH, or data_path in the config)"
    if path.exists():
        if not path.is_dir():
            raise ConfigError(f"the DuckLake data path {path} is a file, not a folder: {hint}")
        if not os.access(path, os.W_OK | os.X_OK):
            raise ConfigError(f"cannot write to the DuckLake data folder {path} (permission denied): {hint}")
        return
    if not path.parent.is_dir():
        raise ConfigError(f"cannot create the DuckLake data folder {path}: folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot create the DuckLake data folder {path}: folder {path.parent} is not writable")


def _new_sqlite_catalog(path: Path) -> None:
    """Create the catalog file private (0600) and in WAL mode before DuckLake fills it.

    Raises:
        ConfigError: the file cannot be created (no permission, read-only file system).
    """
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot create DuckLake catalog {path}: {exc.strerror}") from None
    os.close(fd)


def _wal(path: Path) -> None:
    """Put a SQLite catalog in WAL mode: readers then never wait for a writer ("database is locked")."""

    def switch() -> None:
        db = sqlite3.connect(path, timeout=5.0)
        try:
            if db.execute("PRAGMA journal_mode").fetchone() != ("wal",):
                db.execute("PRAGMA journal_mode=WAL")
        finally:
            db.close()

    try:
        retrying(switch, timeout=30.0)
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"cannot open DuckLake catalog {path}: {exc}") from None


def is_transient(exc: BaseException) -> bool:
    """Whether an error is a commit conflict or a busy catalog: the whole transaction can be retried."""
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc) or "busy" in str(exc)
    if isinstance(exc, duckdb.TransactionException):
        return True
    if not isinstance(exc, duckdb.Error):
        return False
    text = str(exc).lower()
    if "ducklake_inlined_data_" in text and "does not exist" in text:
        # a concurrent commit created or flushed an inlined-data table between our snapshot and our
        # query (seen when collectors open a new lake together): the whole transaction can run again
        return True
    return any(marker in text for marker in _TRANSIENT)


def retrying(
    fn: Callable[[], T], timeout: float, what: str = "the lake", also: Callable[[BaseException], bool] | None = None
) -> T:
    """Call ``fn`` until it does not fail with a transient error (:func:`is_transient`, or ``also``),
    waiting a random, growing time (20 ms … 1 s) between tries, for at most ``timeout`` seconds.

    Raises:
        DatabaseBusy: still failing after ``timeout`` seconds. Other errors pass unchanged.
    """
    from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

    retryer = Retrying(
        retry=retry_if_exception(lambda exc: is_transient(exc) or (also is not None and also(exc))),
        wait=wait_random_exponential(multiplier=0.02, max=1.0),
        stop=stop_after_delay(max(timeout, 1.0)),
        reraise=True,
    )
    try:
        return retryer(fn)
    except (duckdb.Error, sqlite3.Error) as exc:
        if is_transient(exc):
            raise DatabaseBusy(
                f"{what} stayed busy (other collectors committing) for {timeout:g} s; try again "
                f"({str(exc).strip().splitlines()[-1][:200]})"
            ) from None
        raise


# -- reach migrate ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MigrateResult:
    """What :func:`migrate` did.

    Attributes:
        rows: table name -> rows in the target afterwards (equal to the source's, checked).
        copied: ``False`` when the target already held exactly this history (nothing written).
    """

    rows: dict[str, int]
    copied: bool


def _target(db: str | Path, data_path: str | Path | None = None) -> LakeTarget | str:
    if is_lake(db):
        return parse_target(db, data_path)
    path = Path(str(db)).expanduser()
    if path.is_dir():
        raise ConfigError(f"{path} is a folder: give a DuckDB file such as {path}/reach.duckdb")
    return str(path.resolve())


def migrate(
    source: str | Path, target: str | Path, data_path: str | Path | None = None, lock_timeout: float = 30.0
) -> MigrateResult:
    """Copy a whole reach history from ``source`` to ``target`` (a DuckDB file or a DuckLake, either
    way round) in one transaction, then check that every table has as many rows as the source's.

    The target is created with the current schema when missing, and must hold no history yet; a
    target that already holds exactly the source's rows is left alone (running it again is a no-op).
    The source is brought to the current schema first (as any reach command would) and only read.

    Raises:
        NotFound: no source. InputError: source and target are the same, or the target already holds
            another history. ConfigError: a path or lake cannot be used. DatabaseBusy: a database is
            in use by a collection (file), or the lake stayed busy.
    """
    from .errors import InputError
    from .store import Store

    src, dst = _target(source), _target(target, data_path)
    if str(src) == str(dst):
        raise InputError(f"--from and --to are the same database ({src}): give another target")
    if isinstance(src, str) and not Path(src).exists():
        raise NotFound(f"no database at {src}: check --from")
    Store(source, lock_timeout=lock_timeout, create=False).close()  # current schema (and the target's below)
    Store(target, lock_timeout=lock_timeout, create=True, data_path=data_path).close()
    con = open_connection(("src", src, True), ("dst", dst, False))
    try:
        return retrying(lambda: _copy(con, isinstance(dst, LakeTarget), str(target)), max(lock_timeout, 30.0))
    finally:
        con.close()


def _copy(con: duckdb.DuckDBPyConnection, dst_lake: bool, target: str) -> MigrateResult:
    from .days import STATE as DAYS_STATE
    from .days import TABLE as DAYS_TABLE
    from .errors import InputError
    from .store import rollback_quietly

    def tables(db: str) -> list[str]:
        rows = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
            "AND table_name NOT IN ('schema_migrations', ?, ?, ?) ORDER BY table_name",
            [db, GUARD_TABLE, DAYS_TABLE, DAYS_STATE],
        ).fetchall()
        return [r[0] for r in rows]

    names = tables("dst")
    missing = sorted(set(names) - set(tables("src")))
    if missing:
        raise InputError(f"the source has no table(s) {', '.join(missing)}: is it a reach database?")
    columns = {
        t: ", ".join(
            f'"{r[0]}"'
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'dst' AND schema_name = 'main' "
                "AND table_name = ? ORDER BY column_index",
                [t],
            ).fetchall()
        )
        for t in names
    }

    def count(db: str, table: str) -> int:
        row = con.execute(f'SELECT count(*) FROM {db}.main."{table}"').fetchone()
        return int(row[0]) if row else 0

    con.begin()
    try:
        if dst_lake:
            con.execute(f"UPDATE dst.main.{GUARD_TABLE} SET n = n + 1")
        before = {t: count("dst", t) for t in names}
        if any(before.values()):
            differ = [
                t
                for t in names
                for a, b in (("src", "dst"), ("dst", "src"))
                if (row := con.execute(
                    f'SELECT count(*) FROM (SELECT {columns[t]} FROM {a}.main."{t}" '
                    f'EXCEPT ALL SELECT {columns[t]} FROM {b}.main."{t}")'
                ).fetchone()) and row[0]
            ]  # fmt: skip
            con.rollback()
            if differ:
                held = ", ".join(f"{n} {t}" for t, n in before.items() if n and t in ("posts", "snapshots"))
                raise InputError(
                    f"{target} already holds another history ({held or 'rows in ' + ', '.join(sorted(set(differ)))}): "
                    "migrate into a new, empty file or lake"
                )
            return MigrateResult(before, copied=False)
        for t in names:
            con.execute(f'INSERT INTO dst.main."{t}" ({columns[t]}) SELECT {columns[t]} FROM src.main."{t}"')
        after = {t: count("dst", t) for t in names}
        wrong = [f"{t} ({after[t]} of {count('src', t)})" for t in names if after[t] != count("src", t)]
        if wrong:
            raise InputError(f"row counts differ after copying: {', '.join(wrong)}; nothing was written")
    except BaseException:
        rollback_quietly(con)
        raise
    con.commit()
    return MigrateResult(after, copied=True)
