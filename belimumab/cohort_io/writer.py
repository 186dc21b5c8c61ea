"""The import's writes: creations and updates in bulk, with their audit history, then ANALYZE."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from functools import partial
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from belimumab.cohort_io.batches import QUERY_CHUNK, WRITE_CHUNK, chunks
from belimumab.cohort_io.formats import FILES
from belimumab.cohort_io.plan import TablePlan
from belimumab.cohort_io.results import Progress
from belimumab.pharmacy.models import CourseSchedule

# The audit history's change reason of every row an import writes.
IMPORT_REASON = "import"

# An import that writes at least this share of a table's rows refreshes the planner's
# statistics itself (autovacuum's own analyze threshold is 10 % plus 50 rows, but comes later).
ANALYZE_SHARE = 0.1


def analyze_written(written: Mapping[type[models.Model], int]) -> None:
    """PostgreSQL: refresh the planner's statistics of the tables an import wrote (one query,
    sampled: about 2 s at 10,000 patients), so that the next pages do not plan for the empty
    tables (the worklist was seen sorting every row instead of reading its index before
    autovacuum came by). Only when the import changed a tenth of a table or more (or a table
    never analysed): a few rows into a large database leave the statistics true and the ANALYZE
    to autovacuum. SQLite: nothing to do."""
    connection = transaction.get_connection()
    written = {model: n for model, n in written.items() if n}
    if connection.vendor != "postgresql" or not written:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [[m._meta.db_table for m in written]],
        )
        estimated = dict(cursor.fetchall())
        if not any(
            n >= ANALYZE_SHARE * estimated.get(model._meta.db_table, 0)
            for model, n in written.items()
        ):
            return
        tables = {m._meta.db_table for m in written} | {CourseSchedule._meta.db_table}
        tables |= {m.history.model._meta.db_table for m in written if hasattr(m, "history")}
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in sorted(tables)))


def _columns(fields: Iterable[models.Field]) -> list[str]:
    """The columns of concrete fields (Django gives a column to every concrete field)."""
    columns = []
    for f in fields:
        if f.column is None:
            raise ValueError(f"{f} has no column: only concrete fields are written")
        columns.append(f.column)
    return columns


def _isoformat(value: date) -> str:
    return value.isoformat()


def _memoized(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`adapt` remembering its results, for values of one type that repeat."""
    memo: dict[Any, Any] = {}

    def memoized(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            result = memo[value] = adapt(value)
            return result

    return memoized


class BulkWriter:
    """Creations and updates in bulk, each with its audit history row, in WRITE_CHUNK steps.

    Django's bulk_create prepares every value through the ORM (about 10 us per value): too slow
    for 10,000 patients. Rows and their simple-history rows (the same columns that
    `simple_history.utils.bulk_create_with_history` writes: the record's fields, history_date,
    history_user, history_change_reason "import", history_type "+" or "~") are written by the
    driver, values adapted by the backend's own adapters:

    - PostgreSQL: the ids of the new rows are drawn from the table's sequence first (one query),
      then rows and history rows are streamed with `COPY ... FROM STDIN` (one statement per table
      and chunk; an INSERT per row, even pipelined, cost 0.3 ms a row: 4 minutes for 10,000
      patients);
    - other backends (SQLite): `cursor.executemany` of one INSERT (SQLite runs in process), the
      ids of the new rows read back by natural key (unique among active rows, checked before).
    """

    def __init__(
        self,
        *,
        user: Any,
        total: int,
        patient_ids: dict[str, int],
        course_ids: dict[tuple[str, date], int],
    ) -> None:
        self.user_id = user.pk if getattr(user, "pk", None) else None
        self.now = timezone.now()
        self.total = total
        self.done = 0
        self.patient_ids: dict[str, int] = patient_ids
        self.course_ids: dict[tuple[str, date], int] = course_ids
        self.connection = transaction.get_connection()
        self.use_copy = self.connection.vendor == "postgresql"

    def _adapter(self, f: models.Field) -> Callable[[Any], Any] | None:
        """The backend's adaptation of a field's value, memoized (dates and doses repeat)."""
        ops = self.connection.ops
        adapt: Callable[[Any], Any]
        if self.use_copy:
            # COPY's text format: the server reads every value from its text. psycopg's own
            # dumpers cost 3.5 us a datetime, 1.1 us a date, 0.4 us a decimal; the text of
            # these repeated values is made once. JSON: the text Django's Jsonb would send.
            if isinstance(f, models.JSONField):
                return partial(json.dumps, cls=f.encoder)
            if isinstance(f, models.DateField):  # and DateTimeField
                adapt = _isoformat
            elif isinstance(f, models.DecimalField):
                adapt = str
            else:
                return None
            return _memoized(adapt)
        if isinstance(f, models.JSONField):
            return lambda v: f.get_db_prep_save(v, self.connection)
        if isinstance(f, models.DateTimeField):
            adapt = ops.adapt_datetimefield_value
        elif isinstance(f, models.DateField):
            adapt = ops.adapt_datefield_value
        elif isinstance(f, models.DecimalField):

            def adapt(v: Any) -> Any:
                return ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places)

        else:
            return None
        return _memoized(adapt)

    def _values(self, fields: list[models.Field], states: Iterable[dict[str, Any]]) -> list[list]:
        """Rows of adapted values, in the order of `fields`."""
        adapters = [(f.attname, self._adapter(f)) for f in fields]
        if not any(a for _name, a in adapters):
            names = [f.attname for f in fields]
            return [[state[name] for name in names] for state in states]
        return [
            [
                a(state[name]) if a and state[name] is not None else state[name]
                for name, a in adapters
            ]
            for state in states
        ]

    def _write_rows(self, table: str, columns: list[str], rows: list[list]) -> None:
        """Insert `rows` (values of `columns`) into `table`."""
        quote = self.connection.ops.quote_name
        table = quote(table)
        names = ", ".join(quote(c) for c in columns)
        with self.connection.cursor() as cursor:
            if self.use_copy:
                # Errors raised while copying become Django's (IntegrityError...), as execute's.
                with (
                    self.connection.wrap_database_errors,
                    cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def _history_extra(self, kind: str) -> tuple[list[str], list[Any]]:
        """Columns and values a history row adds to the record's own."""
        if self.use_copy:
            history_date = _isoformat(self.now)
        else:
            history_date = self.connection.ops.adapt_datetimefield_value(self.now)
        values = {
            "history_date": history_date,
            "history_change_reason": IMPORT_REASON,
            "history_type": kind,
            "history_user_id": self.user_id,
        }
        return list(values), list(values.values())

    def _insert_history(
        self, model: type[models.Model], fields: list[models.Field], rows: list[list], kind: str
    ) -> None:
        """History rows of records whose adapted values (in the order of `fields`) are `rows`."""
        columns, extra = self._history_extra(kind)
        self._write_rows(
            model.history.model._meta.db_table,  # type: ignore[attr-defined]
            _columns(fields) + columns,
            [row + extra for row in rows],
        )

    def _defaults(self, model: type[models.Model]) -> dict[str, Any]:
        """Values of the columns a row does not give (its states share them: only read)."""
        defaults = {
            f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key
        }
        defaults["created_at"] = defaults["updated_at"] = self.now
        return defaults

    def _state(self, plan: TablePlan, row: Any, defaults: dict[str, Any]) -> dict[str, Any]:
        if plan.name == "patients":
            state = {**defaults, **row.fields, "code": row.code}
        elif plan.name == "courses":
            code, start, wanted = row
            state = {
                **defaults,
                **wanted,
                "patient_id": self.patient_ids[code],
                "start_date": start,
            }
        else:
            state = {**defaults, **row.fields, "patient_id": self.patient_ids[row.code]}
            state.update(zip(FILES[plan.name].key, row.key, strict=True))
            if plan.name == "infusions":
                state["course_id"] = self.course_ids[row.course_key()]
        return state

    def _new_ids(self, model: type[models.Model], count: int) -> list[int]:
        """`count` ids drawn from the table's sequence (PostgreSQL), as its inserts would."""
        meta = model._meta
        with self.connection.cursor() as cursor:
            # The sequence's name first: resolved on each row, it would cost 10 us a row.
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                [self.connection.ops.quote_name(meta.db_table), meta.pk.column],
            )
            (sequence,) = cursor.fetchone()
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
            )
            return [pk for (pk,) in cursor.fetchall()]

    def _remember_ids(self, plan: TablePlan, states: list[dict[str, Any]]) -> None:
        """Ids of new patients and courses, for the rows of the next tables."""
        if plan.name == "patients":
            for state in states:
                self.patient_ids[state["code"]] = state["id"]
        elif plan.name == "courses":
            code_of = {pk: code for code, pk in self.patient_ids.items()}
            for state in states:
                self.course_ids[(code_of[state["patient_id"]], state["start_date"])] = state["id"]

    def _read_ids(self, plan: TablePlan, states: list[dict[str, Any]]) -> None:
        """Set state["id"] of freshly inserted rows, read back by natural key."""
        model = plan.model
        if plan.name == "patients":
            found: dict[tuple[Any, ...], int] = {}
            for chunk in chunks([s["code"] for s in states], QUERY_CHUNK):
                pairs = model._default_manager.filter(code__in=chunk).values_list("code", "pk")
                for code, pk in pairs:
                    found[(code,)] = pk
            for state in states:
                state["id"] = found[(state["code"],)]
        else:
            keys = ("start_date",) if plan.name == "courses" else FILES[plan.name].key
            found = {}
            patient_ids = sorted({s["patient_id"] for s in states})
            for chunk in chunks(patient_ids, QUERY_CHUNK):
                for pk, *key in (
                    model._default_manager.filter(patient_id__in=chunk, is_active=True)
                    .values_list("pk", "patient_id", *keys)
                    .iterator(chunk_size=5000)
                ):
                    found[tuple(key)] = pk
            for state in states:
                state["id"] = found[(state["patient_id"], *(state[k] for k in keys))]
        self._remember_ids(plan, states)

    def write(self, plan: TablePlan) -> Iterator[Progress]:
        if plan.creates:
            yield from self._create(plan)
        for chunk in chunks(plan.updates, WRITE_CHUNK):
            self._update(plan, dict(chunk))
            self.done += len(chunk)
            yield Progress("write", self.done, self.total)

    def _create(self, plan: TablePlan) -> Iterator[Progress]:
        model = plan.model
        defaults = self._defaults(model)
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        if self.use_copy:
            fields = [model._meta.pk, *fields]
            columns = _columns(fields)
            for chunk in chunks(plan.creates, WRITE_CHUNK):
                states = [self._state(plan, row, defaults) for row in chunk]
                for state, pk in zip(states, self._new_ids(model, len(states)), strict=True):
                    state["id"] = pk
                self._remember_ids(plan, states)
                rows = self._values(fields, states)
                self._write_rows(model._meta.db_table, columns, rows)
                self._insert_history(model, fields, rows, "+")
                self.done += len(chunk)
                yield Progress("write", self.done, self.total)
            return
        states = []
        for chunk in chunks(plan.creates, WRITE_CHUNK):
            batch = [self._state(plan, row, defaults) for row in chunk]
            self._write_rows(model._meta.db_table, _columns(fields), self._values(fields, batch))
            states.extend(batch)
            self.done += len(chunk)
            yield Progress("write", self.done, self.total)
        self._read_ids(plan, states)
        fields = [model._meta.pk, *fields]
        for chunk in chunks(states, WRITE_CHUNK):
            self._insert_history(model, fields, self._values(fields, chunk), "+")

    def _update(self, plan: TablePlan, changes: dict[int, dict[str, Any]]) -> None:
        model = plan.model
        fields = [f for f in model._meta.concrete_fields]
        names = [f.attname for f in fields]
        states = {
            state["id"]: state
            for state in model._default_manager.filter(pk__in=list(changes)).values(*names)
        }
        changed = sorted({name for change in changes.values() for name in change})
        by_name = {f.attname: f for f in fields}
        columns = [model._meta.pk] + [by_name[n] for n in (*changed, "version", "updated_at")]
        for change_pk, change in changes.items():
            state = states[change_pk]
            state.update(change)
            state["version"] += 1
            state["updated_at"] = self.now
        rows = self._values(columns, (states[pk] for pk in changes))
        quote = self.connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        names = [quote(f.column) for f in columns[1:]]
        with self.connection.cursor() as cursor:
            if self.use_copy:
                # The new values copied into a temporary table, then one UPDATE joining it (an
                # UPDATE per row, pipelined, costs 0.2 ms a row).
                temp_table = f"import_{model._meta.db_table}"
                temp = quote(temp_table)
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "
                    f"SELECT {pk}, {', '.join(names)} FROM {table} WITH NO DATA"
                )
                self._write_rows(temp_table, _columns(columns), rows)
                cursor.execute(
                    f"UPDATE {table} SET {', '.join(f'{n} = u.{n}' for n in names)} "
                    f"FROM {temp} u WHERE {table}.{pk} = u.{pk}"
                )
                cursor.execute(f"DROP TABLE {temp}")
            else:
                sql = f"UPDATE {table} SET {', '.join(f'{n} = %s' for n in names)} WHERE {pk} = %s"
                cursor.executemany(sql, [[*row[1:], row[0]] for row in rows])
        self._insert_history(model, fields, self._values(fields, states.values()), "~")
