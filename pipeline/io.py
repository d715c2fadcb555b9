"""Finding inputs, naming outputs, and writing files atomically.

The input folder is hostile territory: file names may be any bytes, links may point anywhere,
files may be replaced between listing and reading. So links are never followed (also not
between scanning and reading: files are opened component by component with O_NOFOLLOW), a
special file is never opened in a way that can block, and every entry that cannot be used
comes back with a `problem` instead of an exception, so one bad file never stops a batch.
Output file names are derived from ids by `safe_relpath`, never by pasting an id into a path.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson
import xxhash


class InputError(Exception):
    """The input folder itself cannot be used (missing, not a folder, unreadable)."""


@dataclass(frozen=True, slots=True)
class InputFile:
    id: str
    relpath: str
    size: int
    mtime_ns: int
    problem: str | None = None  # set when the file cannot be read as a document
    # The exact path to open, when it differs from `relpath`: a file name that is not valid
    # UTF-8 is shown (relpath, id) with its odd bytes as \xNN, but opened by its real name.
    fsname: str | None = None
    # What the plan keys on (see filedigest.py): ctime and inode tell whether `content`, a
    # digest of the bytes taken on an earlier run, can be reused without reading the file.
    ctime_ns: int = 0
    inode: int = 0
    content: str = ""


def doc_id(relpath: str) -> str:
    """The document id: its path below the input folder, `/`-separated, without extension.

    >>> doc_id("000_2cb9e80f71fff0a9.txt")
    '000_2cb9e80f71fff0a9'
    >>> doc_id("site/2024/story.v2.txt")
    'site/2024/story.v2'
    >>> doc_id(".hidden")
    '.hidden'
    """
    head, _, name = relpath.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return f"{head}/{stem}" if head else stem


def scan_inputs(root: Path) -> list[InputFile]:
    """Every entry below `root`, sorted by id; links are not followed, but are accounted for.

    Only the root itself can fail the run (InputError); an unreadable sub-folder becomes one
    rejected entry, since the files inside it cannot even be listed.
    """
    try:
        if not root.exists():
            raise InputError(f"input folder {root} does not exist; pass an existing folder to --input")
        if not root.is_dir():
            raise InputError(f"input {root} is not a folder; pass the folder that holds the articles")
        if not os.access(root, os.R_OK | os.X_OK):
            raise InputError(f"cannot read input folder {root}: permission denied")
    except OSError as exc:  # e.g. a parent folder we may not enter
        raise InputError(f"cannot use input folder {root}: {exc.strerror}") from None
    found: dict[str, InputFile] = {}
    extra: list[InputFile] = []

    def add(f: InputFile) -> None:
        if f.id in found:
            extra.append(InputFile(f"{f.id}#{f.relpath}", f.relpath, f.size, f.mtime_ns,
                                   f"id-collision: same id as {found[f.id].relpath}", f.fsname))
        else:
            found[f.id] = f

    def onerror(exc: OSError) -> None:
        if exc.filename is None or Path(exc.filename) == root:
            raise InputError(f"cannot read input folder {root}: {exc.strerror}")
        rel = display_name(Path(exc.filename).relative_to(root).as_posix())
        add(InputFile(doc_id(rel), rel, 0, 0, f"unreadable-folder: {exc.strerror}; its files cannot be listed"))

    for dirpath, _dirnames, others in walk(str(root), onerror=onerror):
        base = Path(dirpath)
        for name in others:  # files, links (also to folders) and special files
            add(_inspect(root, base / name))
    return sorted([*found.values(), *extra], key=lambda f: f.id)


def walk(top: str, onerror: Callable[[OSError], None] | None = None,
         topdown: bool = True) -> Iterator[tuple[str, list[str], list[str]]]:
    """(folder, sub-folders, other entries) for every folder below `top`, like os.walk without
    following links, but with an explicit stack instead of recursion: os.walk in Python 3.11
    recurses once per level, so a tree 1,000 folders deep raised RecursionError. A folder that
    cannot be listed (no permission, a path too long to open) goes to `onerror` and is skipped.
    Links to folders come back among the other entries, never as folders to descend into.
    """
    stack: list[tuple[str, bool]] = [(top, False)]
    pending: list[tuple[str, list[str], list[str]]] = []  # bottom-up: listed, not yet yielded
    while stack:
        path, done = stack.pop()
        if done:
            yield pending.pop()
            continue
        dirs, others = [], []
        try:
            with os.scandir(path) as it:
                for entry in it:
                    try:
                        is_dir = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        is_dir = False
                    (dirs if is_dir else others).append(entry.name)
        except OSError as exc:
            if onerror is not None:
                onerror(exc)
            continue
        dirs.sort()
        others.sort()
        if topdown:
            yield path, dirs, others
        else:
            pending.append((path, dirs, others))
            stack.append((path, True))
        stack.extend((os.path.join(path, d), False) for d in reversed(dirs))


def makedirs(path: str) -> None:
    """os.makedirs(path, exist_ok=True) without recursion (a path 1,000 folders deep is fine)."""
    if os.path.isdir(path):
        return
    missing = []
    head = path
    while head and not os.path.isdir(head):
        missing.append(head)
        parent = os.path.dirname(head)
        if parent == head:
            break
        head = parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder)
        except FileExistsError:
            if not os.path.isdir(folder):
                raise


def display_name(name: str) -> str:
    """A file name as valid Unicode: bytes that are not UTF-8 become \\xNN (names from the OS
    carry them as lone surrogates, which no UTF-8 output file could hold).

    >>> display_name(os.fsdecode(b"caf\\xe9.txt"))
    'caf\\\\xe9.txt'
    >>> display_name("Ünïcödé.txt")
    'Ünïcödé.txt'
    """
    if name.isascii():
        return name
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


def _inspect(root: Path, path: Path) -> InputFile:
    fsname = path.relative_to(root).as_posix()
    rel = display_name(fsname)
    exact = fsname if rel != fsname else None
    try:
        st = path.lstat()
    except OSError as exc:
        return InputFile(doc_id(rel), rel, 0, 0, f"unreadable: {exc.strerror}", exact)
    problem = None
    if stat.S_ISLNK(st.st_mode):
        problem = "symlink: links are not followed"
    elif not stat.S_ISREG(st.st_mode):
        problem = "not-a-regular-file"
    elif not os.access(path, os.R_OK):
        problem = "unreadable: Permission denied"
    return InputFile(doc_id(rel), rel, st.st_size, st.st_mtime_ns, problem, exact, st.st_ctime_ns, st.st_ino)


_CHUNK = 1 << 20


def read_input(root: Path, relpath: str, limit: int) -> tuple[bytes | None, str, str | None]:
    """Read one input file: (bytes or None, sha256 of every byte, problem or None).

    The file is re-checked at open time (it may have changed since the scan): a link or a
    special file is refused without blocking. A file over `limit` bytes is still hashed in
    full, so its sha256 in documents.jsonl is the real one, but its bytes are not kept.
    """
    try:
        fd = _open_below(root, relpath)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "", "symlink: links are not followed"
        return None, "", f"unreadable: {exc.strerror}"
    h = hashlib.sha256()
    kept: list[bytes] = []
    total = 0
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, "", "not-a-regular-file"
        while chunk := os.read(fd, _CHUNK):
            h.update(chunk)
            total += len(chunk)
            if total <= limit:
                kept.append(chunk)
    except OSError as exc:
        return None, "", f"unreadable: {exc.strerror}"
    finally:
        os.close(fd)
    if total > limit:
        return None, h.hexdigest(), f"too-large: {total} bytes > run.max_document_bytes ({limit})"
    return b"".join(kept), h.hexdigest(), None


def _open_below(root: Path, relpath: str) -> int:
    """Open root/relpath read-only, refusing a link in any component (not only the last)."""
    nofollow = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    last = nofollow | getattr(os, "O_NONBLOCK", 0)
    if os.open not in os.supports_dir_fd:  # no openat (not on Linux/macOS): last component only
        return os.open(root / relpath, last)
    parts = relpath.split("/")
    fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        for part in parts[:-1]:
            try:
                nxt = os.open(part, nofollow | getattr(os, "O_DIRECTORY", 0), dir_fd=fd)
            except NotADirectoryError:  # what O_NOFOLLOW|O_DIRECTORY gives for a link: say so
                if stat.S_ISLNK(os.lstat(part, dir_fd=fd).st_mode):
                    raise OSError(errno.ELOOP, "a folder on the path is a symbolic link") from None
                raise
            os.close(fd)
            fd = nxt
        return os.open(parts[-1], last, dir_fd=fd)
    finally:
        os.close(fd)


# Output names. A plain component is kept as it is: lower-case ASCII letters, digits, "._-",
# not starting with "." or "-" (hidden files, command-line options), not ending in "." and
# not a Windows device name. Anything else becomes a readable ASCII slug plus "~" and a hash
# of the exact original component: "~" never occurs in a plain component, and the hash keeps
# ids apart that differ only in case or in characters a file system rejects or folds.
_PLAIN = re.compile(r"[a-z0-9_][a-z0-9._-]{0,99}")
_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})


def _safe_component(part: str) -> str:
    if _PLAIN.fullmatch(part) and not part.endswith(".") and part.split(".", 1)[0] not in _DEVICES:
        return part
    tag = hashlib.sha256(part.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    ascii_ = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9._-]+", "-", ascii_).strip("-._")[:64].rstrip("-._")
    if slug.split(".", 1)[0] in _DEVICES:  # "nul.txt~..." is still the device NUL on Windows
        slug = f"_{slug}"
    return f"{slug or '_'}~{tag}"


def safe_relpath(doc_id: str, suffix: str = ".txt") -> str:
    """A relative output path for an id: no traversal, no two ids on one file, portable.

    >>> safe_relpath("site/2024/story-1")
    'site/2024/story-1.txt'
    >>> safe_relpath("../../etc/passwd")
    '_~5ec1f7e700f3/_~5ec1f7e700f3/etc/passwd.txt'
    >>> safe_relpath("Case"), safe_relpath("case")
    ('case~15f86e24ed25.txt', 'case.txt')
    """
    return "/".join(_safe_component(p) for p in doc_id.split("/")) + suffix


def shard_of(doc_id: str, shards: int) -> int:
    """Stable shard number of an id: adding other files never moves a document."""
    return xxhash.xxh64_intdigest(doc_id.encode("utf-8", "surrogatepass")) % shards


def digest(obj: Any) -> str:
    blob = _escape_surrogates(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=_default)).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _default(o: Any) -> Any:
    if hasattr(o, "__dataclass_fields__"):
        return asdict(o)
    raise TypeError(type(o))


# File names that are not valid UTF-8 reach us with their undecodable bytes as lone surrogates
# (Python's surrogateescape). They cannot be written as UTF-8, so JSON carries them as \udcXX
# escapes, which json.loads turns back into the same string: the id still names the file.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogates(text: str) -> str:
    if text.isascii():
        return text
    return _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def dumps(obj: Any) -> str:
    """Deterministic JSON: sorted keys, UTF-8 text, no spaces after separators.

    >>> dumps({"id": "caf\\udce9", "b": 1})
    '{"b":1,"id":"caf\\\\udce9"}'
    """
    try:
        return orjson.dumps(obj, default=_default, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except TypeError:  # lone surrogates (odd file names), ints past 64 bits, non-str keys
        return _escape_surrogates(
            json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default))


def dumpb(obj: Any) -> bytes:
    """`dumps(obj)` as UTF-8 bytes, without decoding orjson's output only to encode it again."""
    try:
        return orjson.dumps(obj, default=_default, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return dumps(obj).encode("utf-8")


def umask() -> int:
    """The process's umask, read without changing it where the OS tells it (Linux), since
    setting it to read it back would race with other threads creating files."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def temp_file(folder: Path | str, prefix: str, suffix: str = ".tmp") -> tuple[int, str]:
    """`tempfile.mkstemp`, but the file gets the mode any new file gets (0666 less the umask)
    rather than mkstemp's 0600, since it is renamed into place as an output that others read:
    the corpus of a cron job must be readable by the people the umask lets read it."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
    try:
        os.fchmod(fd, 0o666 & ~umask())
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    return fd, tmp


def atomic_write(path: Path, data: str | bytes, durable: bool = True) -> None:
    """Write to a temporary file in the same folder, fsync, then rename into place.

    `durable=False` skips the fsync (still atomic for readers): for many small files whose
    caller makes them durable at once (`os.sync()` before its commit marker). An fsync costs
    ~4 ms here, which for one file per article was most of the time to write a corpus.
    """
    makedirs(str(path.parent))
    fd, tmp = temp_file(path.parent, prefix=f".{path.name[:64]}.")
    with _removed_on_error(tmp):
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)


@contextmanager
def _removed_on_error(tmp: str | Path) -> Iterator[None]:
    """Delete the temporary file `tmp` when the block fails, then let the error through."""
    try:
        yield
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class AtomicWriter:
    """A file streamed to a temporary name and renamed into place by `commit` (after fsync).

    For outputs that grow with the corpus (articles.jsonl): memory stays bounded by what one
    write holds, not by the corpus, and readers still see the old file or the whole new one.
    """

    def __init__(self, path: Path) -> None:
        makedirs(str(path.parent))
        fd, self._tmp = temp_file(path.parent, prefix=f".{path.name[:64]}.")
        self._fh = os.fdopen(fd, "wb", buffering=1 << 20)
        self.path = path
        self.count = 0

    def append(self, text: str | bytes) -> None:
        self._fh.write(text.encode("utf-8") if isinstance(text, str) else text)
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def commit(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        self._fh.close()
        try:
            os.unlink(self._tmp)
        except FileNotFoundError:
            pass


class FileSet:
    """Many small files (one per article) written the way `atomic_write(durable=False)` writes
    one, at a fraction of its cost, and left alone when they already hold the same bytes.

    Per file, atomic_write made the folder, drew a random temporary name (tempfile) and went
    through pathlib: about as much time as the system calls themselves at 100k files. Here
    the temporary name is derived from the target (one writer per output folder: the run
    lock), created exclusively, without following links, with the mode of any new file (0666
    less the umask), and
    each folder is made once. The caller makes them all durable with one `os.sync()`.
    """

    def __init__(self) -> None:
        self._dirs: set[str] = set()
        self._suffix = f".{os.getpid()}.tmp"

    def write(self, path: str, data: bytes) -> None:
        if _holds(path, data):
            return
        folder, _, name = path.rpartition("/")
        if folder not in self._dirs:
            makedirs(folder)
            self._dirs.add(folder)
        tmp = f"{folder}/.{name[:64]}{self._suffix}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
                         | getattr(os, "O_NOFOLLOW", 0), 0o666)
        except FileExistsError:  # left by a killed run that had this pid: take the slow path
            atomic_write(Path(path), data, durable=False)
            return
        with _removed_on_error(tmp):
            with os.fdopen(fd, "wb", buffering=0) as fh:
                view = memoryview(data)
                while view:
                    view = view[fh.write(view):]
            os.replace(tmp, path)


def _holds(path: str, data: bytes) -> bool:
    """The file at `path` holds exactly `data` (False when it cannot be read)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(data) + 1) == data
    except OSError:
        return False


def write_jsonl(path: Path, rows: Iterable[Any]) -> None:
    atomic_write(path, b"".join(dumpb(r) + b"\n" for r in rows))


def read_jsonl(path: Path) -> Iterator[Any]:
    """Rows of a JSON-lines file (orjson: shard files are read by every stage after decode)."""
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError:  # \udcXX escapes of odd file names; json accepts them
                    yield json.loads(line)
