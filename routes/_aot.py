"""Ahead-of-time build of the compiled search kernels (``numba.pycc``).

With numba's just-in-time compiler a fresh process pays about 0.55 s before the first
iteration: importing numba (with llvmlite and, through numba, scipy) and loading the
cached kernels.  The command line (``python -m routes solve-top FILE --time-limit 2``)
counts that against its limit.  The ahead-of-time build is an ordinary extension module
with the three entry points of :mod:`routes._kernels` compiled in; it imports in a few
milliseconds and needs neither numba nor LLVM at run time.

The module is built once after installing (``python -m routes warmup``, which ``make``
runs), next to numba's own cache in ``routes/__pycache__`` (or ``$ROUTES_AOT_DIR``).
Its name carries a hash of the kernel sources, so an edited kernel never runs stale
code: :func:`load` finds nothing and the driver falls back to the just-in-time kernels
until the next build.  The build needs numba and a C compiler (``cc``); where either is
missing :func:`build` raises :class:`AotError` and the just-in-time path stays in use.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
import sysconfig
import tempfile
import warnings
from pathlib import Path
from types import ModuleType

__all__ = ["AotError", "build", "directory", "load", "module_name", "module_path"]

_HERE = Path(__file__).resolve().parent
#: the sources compiled into the module: any change gives it a new name
SOURCES = (_HERE / "_kernels.py", _HERE / "_kernel_state.py", Path(__file__).resolve())
_PREFIX = "_fastaot_"

# the entry points the driver calls and their argument types (C-contiguous arrays, as the
# driver allocates them)
_M = "f8[:, ::1]"  # cost matrix
_I2 = "i8[:, ::1]"  # routes, neighbour lists, route pool
_STATE = f"{_I2}, i8[::1], f8[::1], i8[::1]"  # R, L, C, rt
_POOL = f"{_I2}, i8[::1], f8[::1], f8[::1], u8[:, ::1], f8[::1]"  # PR, PL, PP, PC, PB, pstate
SIGNATURES = {
    "init_state": f"void({_M}, f8[::1], f8, {_I2}, i8, {_STATE}, {_STATE})",
    "run_chunk": f"f8({_M}, f8[::1], f8, {_I2}, f8[::1], f8[::1], i8, {_STATE}, {_STATE}, {_POOL})",
    "final_pack": f"b1({_M}, f8[::1], f8, {_STATE}, {_POOL}, i8)",
}


class AotError(RuntimeError):
    """The ahead-of-time build cannot be made here (no numba, no C compiler...)."""


def module_name() -> str:
    """Name of the extension module for the current kernel sources.

    Examples
    --------
    >>> module_name().startswith("_fastaot_")
    True
    """
    h = hashlib.sha256()
    for path in SOURCES:
        h.update(path.read_bytes())
    return _PREFIX + h.hexdigest()[:16]


def directory() -> Path:
    """Where the module is built and looked for: ``$ROUTES_AOT_DIR`` or ``routes/__pycache__``."""
    return Path(os.environ.get("ROUTES_AOT_DIR") or _HERE / "__pycache__")


def module_path(dest: Path | None = None) -> Path:
    """File of the module for the current sources (it may not exist)."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    return (directory() if dest is None else Path(dest)) / (module_name() + suffix)


def load(dest: Path | None = None) -> ModuleType | None:
    """The built module for the current kernel sources, or None if it is not built
    (or cannot be loaded, e.g. a damaged file: then the just-in-time kernels are used).

    Examples
    --------
    >>> mod = load()
    >>> mod is None or callable(mod.run_chunk)
    True
    """
    path = module_path(dest)
    name = path.name.split(".", 1)[0]
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__file__", None) == str(path):
        return loaded
    if not path.is_file():
        return None
    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    if spec is None:  # pragma: no cover - an extension path always gives a spec
        return None
    try:
        mod = importlib.util.module_from_spec(spec)
        loader.exec_module(mod)
    except (ImportError, OSError):  # not a loadable extension (truncated, foreign platform)
        return None
    sys.modules[name] = mod
    return mod


def build(dest: Path | None = None) -> Path:
    """Compile the entry points of :mod:`routes._kernels` into an extension module.

    Writes :func:`module_path` atomically (an interrupted build leaves nothing behind)
    and removes modules built from older sources in the same directory.  Takes about
    10 s.  Raises :class:`AotError` without numba's ``pycc`` or a working C compiler.

    Examples
    --------
    >>> path = build()  # doctest: +SKIP
    >>> path.name.startswith("_fastaot_")  # doctest: +SKIP
    True
    """
    target = module_path(dest)
    name = target.name.split(".", 1)[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pycc is "pending deprecation" in numba 0.57+
            from numba.pycc import CC
    except ImportError as exc:
        raise AotError(f"numba.pycc is not available: {exc}") from exc
    from setuptools.errors import CCompilerError  # numba.pycc builds with setuptools

    from routes import _kernels

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        workdir = tempfile.TemporaryDirectory(dir=target.parent, prefix=".aot-build-")
    except OSError as exc:  # read-only install, no space...
        raise AotError(f"cannot write the ahead-of-time build to {target.parent}: {exc}") from exc
    with workdir as tmp:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cc = CC(name)  # checks the C compiler
                cc.output_dir = tmp
                cc.verbose = False
                for entry, signature in SIGNATURES.items():
                    cc.export(entry, signature)(getattr(_kernels, entry).py_func)
                cc.compile()
        # no working C compiler (RuntimeError from numba's toolchain check), or the
        # compiler or linker failed
        except (RuntimeError, OSError, CCompilerError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise AotError(f"ahead-of-time build failed: {first}") from exc
        built = Path(tmp) / target.name
        if not built.is_file():
            raise AotError(f"ahead-of-time build wrote no {target.name}")
        os.replace(built, target)
    for old in target.parent.glob(_PREFIX + "*"):
        if old.name != target.name and old.is_file():
            old.unlink()
    return target
