"""articles.parquet: the rows of articles.jsonl in a columnar file for large corpora.

The Arrow schema is fixed here rather than inferred, so every run writes the same column
types whatever documents happen to come first, and readers (pandas, polars, the Hugging Face
`datasets` parquet loader) get the same table every time. The one difference from the JSONL
rows: a removal's `detail` is free-form per rule, so it is stored as a JSON string (null when
absent) instead of a struct whose fields would change with the rules that fired.

Rows are written in fixed-size row groups as they stream in, to a temporary file that is
renamed into place on `close()`, so memory stays bounded and a crash leaves no half file.
Writer settings are pinned (codec, page version, statistics) and parquet stores no
timestamps, so the same rows give the same bytes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.io import temp_file

ROW_GROUP = 2048  # rows per row group: small enough to bound memory, big enough to compress well

_REMOVAL = pa.struct([("stage", pa.string()), ("rule", pa.string()), ("text", pa.string()),
                      ("start", pa.int64()), ("end", pa.int64()), ("detail", pa.string())])
_EDIT = pa.struct([("stage", pa.string()), ("rule", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
                   ("before", pa.string()), ("after", pa.string())])
ARTICLE_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("title", pa.string()),
    ("authors", pa.list_(pa.string())),
    ("credit", pa.string()),
    ("published", pa.string()),
    ("updated", pa.string()),
    ("text", pa.string()),
    ("source", pa.string()),
    ("sha256", pa.string()),
    ("encoding", pa.struct([("encoding", pa.string()), ("confidence", pa.float64()), ("bom", pa.bool_())])),
    ("removed", pa.list_(_REMOVAL)),
    ("edits", pa.list_(_EDIT)),
    ("flags", pa.list_(pa.string())),
    ("paragraphs", pa.int64()),
    ("chars", pa.int64()),
    ("clean_file", pa.string()),
])


def parquet_row(rec: dict[str, Any]) -> dict[str, Any]:
    """An articles.jsonl record shaped for ARTICLE_SCHEMA (detail as a JSON string).

    >>> parquet_row({"removed": [{"rule": "r", "detail": {"b": 1, "a": [2]}}]})["removed"][0]["detail"]
    '{"a":[2],"b":1}'
    """
    row = dict(rec)
    row["removed"] = [{**r, "detail": json.dumps(r["detail"], sort_keys=True, separators=(",", ":"))
                       if r.get("detail") else None} for r in rec.get("removed", [])]
    return row


class ArticleParquetWriter:
    """Stream article records into `path`; nothing appears at `path` until `close()`."""

    def __init__(self, path: Path, tmp: Path | None = None) -> None:
        """`tmp`: the temporary file to write, when another process will rename it into place
        (see `seal`); by default a fresh one beside `path`."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if tmp is None:
            fd, self._tmp = temp_file(path.parent, prefix=f".{path.name}.")
            os.close(fd)
        else:
            self._tmp = str(tmp)
        self._writer = pq.ParquetWriter(
            self._tmp, ARTICLE_SCHEMA, compression="zstd", compression_level=3, version="2.6",
            data_page_version="1.0", use_dictionary=True, write_statistics=True,
            # The page index and bloom filters stay off: defaults that differ across pyarrow
            # versions would make the bytes depend on the installed version more than needed.
            write_page_index=False)
        self._rows: list[dict[str, Any]] = []

    def add(self, rec: dict[str, Any]) -> None:
        self._rows.append(parquet_row(rec))
        if len(self._rows) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            # Column by column: the same table as Table.from_pylist(rows, schema), at a quarter
            # of its cost (it converts row by row; ~70 us an article, most of writing this file).
            rows = self._rows
            table = pa.Table.from_arrays([pa.array([r.get(f.name) for r in rows], type=f.type)
                                          for f in ARTICLE_SCHEMA], schema=ARTICLE_SCHEMA)
            self._writer.write_table(table, row_group_size=ROW_GROUP)
            self._rows = []

    def seal(self) -> None:
        """Finish the temporary file, durably, without renaming it into place."""
        self._flush()
        self._writer.close()
        with open(self._tmp, "rb") as fh:
            os.fsync(fh.fileno())

    def close(self) -> None:
        self.seal()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        try:
            self._writer.close()
        finally:
            if os.path.exists(self._tmp):
                os.unlink(self._tmp)
