#!/usr/bin/env python3
"""Checks STIL files with the Semi-ATE STIL parser, an independent reader of IEEE 1450.

Usage: check_stil.py FILE...

Each file is parsed for syntax, then analysed for semantics (signals and groups defined before
use, waveform characters defined for every signal, procedures and macros defined, vector widths
matching their groups, ...). The parser reports problems by printing them and recording them on
the parser object rather than raising, so both are inspected here.

Exit status: 0 when every file passes, 1 when any file has an error, 3 when the parser is not
installed (`python3 -m pip install semi-ate-stil lark`), so callers can tell a missing tool from a
bad file.
"""

import contextlib
import io
import sys

try:
    import Semi_ATE.STIL.parsers.STILParser as stil_parser_module
    from Semi_ATE.STIL.parsers.STILParser import STILParser
except ImportError as error:
    print(f"check_stil: the Semi-ATE STIL parser is not installed ({error})", file=sys.stderr)
    sys.exit(3)

# Every STILParser builds the same LALR tables from its grammar, which takes seconds; the parse
# itself takes milliseconds. Build them once: a Lark object keeps no state between parses (the
# semantic checks live in the STILParser object, which stays one per file).
_lark_cache = {}
_build_lark = stil_parser_module.Lark


def _cached_lark(grammar, **options):
    key = (grammar, tuple(sorted((k, repr(v)) for k, v in options.items())))
    if key not in _lark_cache:
        _lark_cache[key] = _build_lark(grammar, **options)
    return _lark_cache[key]


stil_parser_module.Lark = _cached_lark


def check(path):
    """Returns None when `path` is valid STIL, else a message."""
    # The parser prints each error as well as recording it; keep only the record.
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            parser = STILParser(path)
            # No Include statements are written by the tool; skip the preprocessing pass, which
            # writes a scratch file next to the input.
            tree = parser.parse_syntax(preprocess_include=False)
            if tree is None:
                return f"syntax error at line {parser.err_line}, column {parser.err_col}:{parser.err_msg}"
            parser.parse_semantic()
            if not parser.is_parsing_done or parser.err_line != -1:
                return f"semantic error at line {parser.err_line}, column {parser.err_col}:{parser.err_msg}"
    except Exception as error:  # the parser raises plain exceptions for some problems
        return f"{type(error).__name__}: {error}{printed.getvalue()}"
    return None


def main(paths):
    if not paths:
        print("usage: check_stil.py FILE...", file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        problem = check(path)
        if problem is None:
            print(f"{path}: ok")
        else:
            failed += 1
            print(f"{path}: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
