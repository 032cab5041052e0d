"""Why a data file is not JSON: the mistake a person made, and the line and column to look at.

Only for a file that orjson refused (orjson stays the fast path for valid files). The
text is read again by a careful parser that stops at the first place where it is not
JSON and names the mistake as a person makes it: a quote inside a text, single quotes,
an unquoted field name, a backslash, a trailing or a missing comma. A bracket that is
not closed is found by the indentation of the maintainer's files (2 spaces a level, one
field a line): a line indented less than the fields of the object before it, or a `}`
indented differently from the line that opened it, shows where the bracket belongs. Such a
guess is only reported when adding or deleting that one bracket lets the file be read
further.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field

MAX_DEPTH = 1024
"""orjson refuses brackets nested deeper than this."""

BACKSLASH = "a backslash (\\) must be written \\\\ in JSON, or use / instead"
INNER_QUOTE = 'a double quote inside a text must be written \\"'
EXTRA_QUOTE = "one double quote too many here: delete it"
COMMENT = "JSON has no comments: delete this comment"
EXTRA_COMMA = "one comma too many here: delete it"
LINE_BREAK = "a line break inside a text must be written \\n"
TAB = "a tab inside a text must be written \\t"
QUOTE_MISSING_AT_END = 'a double quote (") is missing here, at the end of the text'
TEXT_NOT_CLOSED = 'this text is never closed: a double quote (") is missing at its end'
QUOTE_MISSING_AT_START = 'a double quote (") is missing at the start of this text'
NAME_QUOTE_MISSING_AT_START = 'a double quote (") is missing at the start of this field name'
LOWER_CASE = {"true": "true", "false": "false", "null": "null", "none": "null"}
MAX_GUESSES = 8
"""Each guess by indentation is tried by reading the whole file again."""
SHOWN = 40
"""Longest name or text quoted in a message."""

_WS = re.compile(r"[ \t\n\r]*")
_CHUNK = re.compile(r'[^"\\\x00-\x1f]*')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WORD = re.compile(r"[^\s,:\[\]{}\"']+")
_PHRASE = re.compile(r"[^,\]}\r\n]*")
_NAME = re.compile(r'[^\s:,{}\[\]"]+')
_SINGLE = re.compile(r"'([^'\r\n]*)'")
_QUOTED_KEY = re.compile(r'"([^"\\\r\n]*)"\s*:')
_LOW_SURROGATE = re.compile(r"\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_HEX = frozenset("0123456789abcdefABCDEF")
_CLOSER = {"{": "}", "[": "]"}


@dataclass(frozen=True)
class Mistake:
    """Where the maintainer should look (1-based line and column), and what is wrong."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


def mistake(source: str) -> Mistake | None:
    """The first mistake in `source`, or None if it is JSON after all."""
    found = _Parser(source).run()
    if found is None:
        return None
    return Mistake(*position(source, found.pos), found.message)


def position(source: str, pos: int) -> tuple[int, int]:
    """The 1-based line and column of the character at `pos` (or just past the end)."""
    pos = max(0, min(pos, len(source)))
    line_start = source.rfind("\n", 0, pos) + 1
    return source.count("\n", 0, pos) + 1, pos - line_start + 1


@dataclass
class _Open:
    """A bracket not closed yet, and what has been read inside it."""

    char: str
    pos: int
    indent: int
    """Of the line the bracket is on."""
    end: int
    """Just past the last complete value inside it (or past the bracket)."""
    members: int | None = None
    """The indentation of its fields or items, from the first one that starts a line."""
    key: str | None = None
    """The field being read, or the last one read."""
    parent_key: str | None = None

    @property
    def closer(self) -> str:
        return _CLOSER[self.char]


@dataclass
class _Found(Exception):
    """Where the careful reading stopped, and why: the parser's answer, not a failure."""

    pos: int
    message: str
    structural: bool = False
    """A bracket or a comma where another was expected: a missing bracket may explain it."""
    stop: int = -1
    """Where the reading stopped, if not at `pos` (a missing comma is reported before it)."""

    @property
    def stopped(self) -> int:
        return self.pos if self.stop < 0 else self.stop


@dataclass(frozen=True)
class _Guess:
    """A bracket missing at `pos` (inserted at `at`) or one too many at `pos`, by indentation."""

    pos: int
    message: str
    at: int
    insert: str = ""
    delete: int = 0


@dataclass
class _Parser:
    s: str
    watch: bool = True
    """Collect guesses by indentation (not while trying a repair)."""
    stack: list[_Open] = field(default_factory=list)
    guesses: list[_Guess] = field(default_factory=list)
    last_string: tuple[int, int] = (-1, -1)

    def run(self) -> _Found | None:
        try:
            self._parse()
        except _Found as found:
            if found.structural and self.watch:
                return self._better(found)
            return found
        return None

    def _line(self, bracket: _Open) -> int:
        return position(self.s, bracket.pos)[0]

    def _ws(self, i: int) -> int:
        match = _WS.match(self.s, i)
        assert match is not None, "white space may be empty"
        return match.end()

    # The grammar, as a loop over three states: a value, a field name, after a value.

    def _parse(self) -> None:
        s, n = self.s, len(self.s)
        i = self._ws(0)
        state = "value"
        while True:
            if state == "after":
                i = self._ws(i)
                if not self.stack:
                    if i < n:
                        self._after_the_end(i)
                    return
                i, state = self._after(i)
            elif state == "key":
                i = self._key(self._ws(i))
                state = "value"
            else:
                i = self._ws(i)
                if i < n and s[i] in "{[":
                    self._look(i, member=bool(self.stack) and self.stack[-1].char == "[")
                    self._push(i)
                    j = self._ws(i + 1)
                    if j < n and s[j] == self.stack[-1].closer:
                        self._look(j, closing=True)
                        self.stack.pop()
                        i, state = j + 1, "after"
                        self._ended(i)
                    else:
                        i, state = j, "key" if s[i] == "{" else "value"
                else:
                    i = self._scalar(i)
                    state = "after"
                    self._ended(i)

    def _push(self, i: int) -> None:
        if len(self.stack) >= MAX_DEPTH:
            message = f"the data is nested too deeply (more than {MAX_DEPTH} brackets)"
            raise _Found(i, message)
        parent_key = self.stack[-1].key if self.stack else None
        self.stack.append(_Open(self.s[i], i, self._indent(i), i + 1, parent_key=parent_key))

    def _ended(self, i: int) -> None:
        if self.stack:
            self.stack[-1].end = i

    def _after(self, i: int) -> tuple[int, str]:
        s, n = self.s, len(self.s)
        top = self.stack[-1]
        if i >= n:
            raise self._file_ends()
        c = s[i]
        if c == ",":
            self._look(i)
            j = self._ws(i + 1)
            if j < n and s[j] == top.closer:
                if s[s.rfind("\n", 0, j) + 1 : j].strip(" \t"):
                    self._stray(j)
                what = "field" if top.char == "{" else "item of a list"
                raise _Found(i, f"a comma after the last {what} is not allowed in JSON: "
                             "delete this comma")  # fmt: skip
            if j < n and s[j] == ",":
                raise _Found(j, EXTRA_COMMA)
            return j, "key" if top.char == "{" else "value"
        if c == top.closer:
            self._look(i, closing=True)
            self.stack.pop()
            self._ended(i + 1)
            return i + 1, "after"
        self._look(i)
        if c in "}]":
            self._stray(i)
            if self._repairs(i, top.pos, "", 1):
                raise _Found(top.pos, f"there is one {top.char} too many here: delete it")
            message = (f"this {c} does not match the {top.char} on line {self._line(top)} "
                       f"(a {top.closer} is missing before it?)")  # fmt: skip
            raise _Found(i, message, structural=True)
        self._not_a_character(i)
        if c in "/#":
            raise _Found(i, COMMENT)
        if c == ":":
            raise self._colon_after_value(i)
        if "\n" not in s[top.end : i] and self.last_string[1] == top.end:
            self._quote_trouble(i)
        if c == ";":
            raise _Found(i, "write a comma (,) here, not ;")
        if c != '"':
            self._stray(i)
        raise _Found(top.end, self._comma_missing(i), structural=True, stop=i)

    def _colon_after_value(self, i: int) -> _Found:
        start, end = self.last_string
        line_start = self.s.rfind("\n", 0, start) + 1
        if end == self.stack[-1].end and not self.s[line_start:start].strip(" \t"):
            name = _shown(self.s[start + 1 : end - 1])
            return _Found(start, f'a {{ is missing before the field "{name}"')
        self._stray(i)
        return _Found(i, "a colon (:) cannot follow a value here")

    def _comma_missing(self, i: int) -> str:
        top = self.stack[-1]
        if top.char == "[":
            return "a comma is missing here, between two items of a list"
        named = _QUOTED_KEY.match(self.s, i)
        if named is None or top.key is None:
            return "a comma is missing here, after this value"
        documents = len(self.stack) == 2 and top.parent_key == "_default"
        what = "documents" if documents else "fields"
        return (f'a comma is missing here, between two {what} '
                f'("{_shown(top.key)}" and "{_shown(named.group(1))}")')  # fmt: skip

    def _after_the_end(self, i: int) -> None:
        c = self.s[i]
        start, end = self.last_string
        if c == ":" and start == _before(self.s, start + 1) and self._ws(end) == i:
            name = _shown(self.s[start + 1 : end - 1])
            raise _Found(start, f'a {{ is missing before the field "{name}"')
        if c in "}]":
            raise _Found(i, f"there is one {c} too many here: delete it", structural=True)
        self._not_a_character(i)
        if c in "/#":
            raise _Found(i, COMMENT)
        self._stray(i)
        message = "the data has ended before this (its last } is above): delete what follows"
        raise _Found(i, message, structural=True)

    def _file_ends(self) -> _Found:
        stripped = self.s.rstrip()
        end = len(stripped)
        inner = self.stack[-1]
        opened = f"the {inner.char} on line {self._line(inner)}"
        if len(self.stack) == 1:
            return _Found(end, f"the file ends before {opened} is closed: "
                          f"a {inner.closer} is missing at the end", True, len(self.s))  # fmt: skip
        closers = " ".join(o.closer for o in reversed(self.stack))
        message = f"the file ends before {opened} is closed: {closers} are missing at the end"
        return _Found(end, message, True, len(self.s))

    def _key(self, i: int) -> int:
        """A field name and its colon; the index of its value."""
        s, n = self.s, len(self.s)
        top = self.stack[-1]
        if i >= n:
            raise self._file_ends()
        c = s[i]
        self._look(i, member=True)
        if c == '"':
            end = self._string(i)
            top.key = s[i + 1 : end - 1]
            j = self._ws(end)
            if j < n and s[j] == ":":
                return j + 1
            raise self._colon_missing(i, end, j)
        if c == "'":
            single = _SINGLE.match(s, i)
            if single and 0 < len(single.group(1)) <= SHOWN and '"' not in single.group(1):
                name = single.group(1)
                raise _Found(i, f"the field name '{name}' must be in double quotes: \"{name}\"")
            self._stray(i)
            raise _Found(i, "a field name must be in double quotes (\"), not single quotes (')")
        if c == ",":
            raise _Found(i, EXTRA_COMMA)
        self._not_a_character(i)
        if c in "/#":
            raise _Found(i, COMMENT)
        self._stray(i)
        if c in "}]":
            raise _Found(i, f"this {c} does not match the {top.char} on line {self._line(top)}")
        if c in "{[:":
            raise _Found(i, "a field name in double quotes is missing here")
        word = _NAME.match(s, i)
        assert word is not None, "the characters left start a name"
        if s[word.end() : word.end() + 1] == '"':
            raise _Found(i, NAME_QUOTE_MISSING_AT_START)
        name = word.group()
        if len(name) > SHOWN:
            raise _Found(i, 'a field name must be in double quotes (")')
        raise _Found(i, f'the field name {name} must be in double quotes: "{name}"')

    def _colon_missing(self, start: int, end: int, j: int) -> _Found:
        s = self.s
        name = s[start + 1 : end - 1]
        if ":" in name:
            before = _shown(name.split(":", 1)[0].strip())
            at = start + 1 + name.index(":")
            message = f'a double quote (") is missing here, at the end of the field name "{before}"'
            return _Found(at, message)
        if "\n" not in s[end:j]:
            blank = not name.strip()
            for at in (start, end - 1) if blank else (end - 1, j):
                if s[at : at + 1] == '"' and self._repairs(at, at, "", 1):
                    return _Found(at, EXTRA_QUOTE)
        if s[j : j + 1] == "=":
            return _Found(j, "write a colon (:) after a field name, not =")
        if j < len(s) and "\n" not in s[end:j]:
            self._stray(j)
        return _Found(end, f'a colon (:) is missing after the field name "{_shown(name)}"')

    def _scalar(self, i: int) -> int:
        """A text, number, true, false or null; the index just past it."""
        s, n = self.s, len(self.s)
        if i >= n:
            raise self._file_ends() if self.stack else _Found(i, "a value is missing here")
        c = s[i]
        self._look(i, member=bool(self.stack) and self.stack[-1].char == "[")
        if c == '"':
            end = self._string(i)
            self.last_string = (i, end)
            return end
        if c in ",}]:":
            self._stray(i)
            top = self.stack[-1] if self.stack else None
            if top is not None and top.char == "{" and top.key is not None:
                raise _Found(i, f'a value is missing after "{_shown(top.key)}":')
            if c == "," and top is not None and s[_before(s, i)] == ",":
                raise _Found(i, EXTRA_COMMA)
            raise _Found(i, "a value is missing here")
        if c == "'":
            single = _SINGLE.match(s, i)
            if single and 0 < len(single.group(1)) <= SHOWN and '"' not in single.group(1):
                text = single.group(1)
                raise _Found(i, f"the text '{text}' must be in double quotes: \"{text}\"")
            self._stray(i)
            raise _Found(i, "a text must be in double quotes (\"), not single quotes (')")
        self._not_a_character(i)
        if c in "/#":
            raise _Found(i, COMMENT)
        word = _WORD.match(s, i)
        number = _NUMBER.match(s, i)
        if word is None:
            self._stray(i)
            raise _Found(i, f"this {c} does not belong here")
        if number is not None and number.end() == word.end():
            if float(number.group()) in (float("inf"), float("-inf")):
                raise _Found(i, "this number is too large")
            return number.end()
        if word.group() in ("true", "false", "null"):
            return word.end()
        self._stray(i)
        if word.group().lower() in LOWER_CASE:
            lower = LOWER_CASE[word.group().lower()]
            raise _Found(i, f"JSON writes true, false and null in lower case: {lower}")
        phrase = _PHRASE.match(s, i)
        assert phrase is not None, "a phrase may be empty"
        text = phrase.group().rstrip()
        if '"' in text:
            raise _Found(i, QUOTE_MISSING_AT_START)
        if len(text) > SHOWN:
            raise _Found(i, 'a text must be in double quotes (")')
        raise _Found(i, f'the text {text} must be in double quotes: "{text}"')

    def _string(self, i: int) -> int:
        """The index just past the text that starts at `i` with a double quote."""
        s, n = self.s, len(self.s)
        j = i + 1
        while True:
            chunk = _CHUNK.match(s, j)
            assert chunk is not None, "a chunk may be empty"
            j = chunk.end()
            if j >= n:
                raise _Found(i, TEXT_NOT_CLOSED)
            c = s[j]
            if c == '"':
                return j + 1
            if c == "\\":
                j = self._escape(j)
            elif c in "\r\n":
                raise self._line_break(i, j)
            elif c == "\t":
                raise _Found(j, TAB)
            else:
                message = (
                    f"an invisible control character ({_named(c)}) is inside this text: delete it"
                )
                raise _Found(j, message)

    def _escape(self, j: int) -> int:
        s = self.s
        after = s[j + 1 : j + 2]
        if after and after in '"\\/bfnrt':
            return j + 2
        digits = s[j + 2 : j + 6]
        if after == "u" and len(digits) == 4 and set(digits) <= _HEX:
            code = int(digits, 16)
            if 0xD800 <= code <= 0xDBFF and _LOW_SURROGATE.match(s, j + 6):
                return j + 12
            if 0xD800 <= code <= 0xDFFF:
                message = (f"\\u{digits} is only half of a character (a surrogate without its "
                           "pair): write the character itself")  # fmt: skip
                raise _Found(j, message)
            return j + 6
        raise _Found(j, BACKSLASH)

    def _line_break(self, i: int, j: int) -> _Found:
        """A text that runs to the end of its line: a quote missing, or a real line break."""
        s = self.s
        content = s[i + 1 : j].rstrip(" \t")
        bare = content.rstrip(",").rstrip(" \t")
        if bare.endswith('"') and not _unescaped(s, i + len(bare)):
            return _Found(i + len(bare) - 1, BACKSLASH, stop=j)
        if content.endswith(","):
            return _Found(i + len(content), QUOTE_MISSING_AT_END, stop=j)
        following = s[j:].lstrip("\r").removeprefix("\n").split("\n", 1)[0].strip()
        if not following or following[0] in "}]" or _QUOTED_KEY.match(following):
            return _Found(i + 1 + len(content), QUOTE_MISSING_AT_END, stop=j)
        return _Found(j, LINE_BREAK)

    def _not_a_character(self, i: int) -> None:
        c = self.s[i]
        if c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            raise _Found(i, f"an invisible character ({_named(c)}) is not allowed here: delete it")

    def _quote_trouble(self, i: int) -> None:
        """After a text, on its line, something that is not a comma: a quote in the wrong place."""
        s = self.s
        opening, end = self.last_string
        closing = end - 1
        line_end = s.find("\n", i)
        line_end = len(s) if line_end < 0 else line_end
        if s[i] == '"':
            if not _QUOTED_KEY.match(s, i) and self._repairs(i, i, "", 1):
                raise _Found(i, EXTRA_QUOTE)
            return
        if closing == opening + 1 and self._repairs(closing, closing, "", 1):
            raise _Found(closing, EXTRA_QUOTE)
        quotes = [k for k in range(closing, line_end) if s[k] == '"' and _unescaped(s, k)]
        if len(quotes) < 2:
            return
        inner = quotes[:-1]
        parts, previous = [], 0
        for k in inner:
            parts += [s[previous:k], "\\"]
            previous = k
        repaired = "".join(parts) + s[previous:]
        if _reads_past(repaired, _next_line_end(s, i) + len(inner)):
            raise _Found(closing, INNER_QUOTE)

    def _repairs(self, pos: int, at: int, insert: str, delete: int) -> bool:
        """Whether the text, fixed at `at`, reads past the line after the line of `pos`."""
        s = self.s
        repaired = s[:at] + insert + s[at + delete :]
        return _reads_past(repaired, _next_line_end(s, pos) + len(insert) - delete)

    def _stray(self, i: int) -> None:
        """A character that is one too many: without it the file reads on."""
        c = self.s[i]
        if self._repairs(i, i, "", 1):
            stray = {'"': EXTRA_QUOTE, ",": EXTRA_COMMA}
            message = f"there is one {c} too many here: delete it" if c in "{}[]" else None
            raise _Found(i, stray.get(c) or message or f"this {c} does not belong here: delete it")

    # Guesses by indentation

    def _indent(self, i: int) -> int:
        line_start = self.s.rfind("\n", 0, i) + 1
        return len(self.s[line_start:i]) - len(self.s[line_start:i].lstrip(" \t"))

    def _look(self, i: int, member: bool = False, closing: bool = False) -> None:
        """Note a bracket missing or one too many, as the indentation of the line at `i` shows.

        `member`: the token at `i` starts a field or an item; `closing`: it is the `}` or `]`
        of the innermost open bracket.
        """
        if not self.watch or not self.stack or len(self.guesses) >= MAX_GUESSES:
            return
        s = self.s
        line_start = s.rfind("\n", 0, i) + 1
        top = self.stack[-1]
        starts_line = not s[line_start:i].strip(" \t")
        indent = i - line_start
        if closing and top.pos < line_start:
            if starts_line and indent < top.indent:
                self._missing(top, i)
            if not starts_line or indent != top.indent:
                message = f"there is one {top.closer} too many here: delete it"
                self.guesses.append(_Guess(i, message, i, delete=1))
        elif closing or not starts_line:
            return
        elif top.members is None:
            if member:
                top.members = indent
        elif indent < top.members:
            self._missing(top, i)

    def _missing(self, top: _Open, i: int) -> None:
        s = self.s
        comma = "," not in s[top.end : i + 1] and s[i] not in "}]"
        also = " and a comma are" if comma else " is"
        message = (f"the {top.char} on line {self._line(top)} is not closed: "
                   f"a {top.closer}{also} missing before this line")  # fmt: skip
        insert = top.closer + ("," if comma else "")
        self.guesses.append(_Guess(i, message, top.end, insert=insert))

    def _better(self, found: _Found) -> _Found:
        """The first guess by indentation that lets the file be read further, else `found`."""
        for guess in self.guesses:
            if guess.pos > found.stopped:
                break
            repaired = self.s[: guess.at] + guess.insert + self.s[guess.at + guess.delete :]
            shift = len(guess.insert) - guess.delete
            if _reads_past(repaired, found.stopped + shift):
                return _Found(guess.pos, guess.message)
        return found


def _reads_past(text: str, pos: int) -> bool:
    """Whether a careful reading of `text` finds no mistake up to and including `pos`."""
    found = _Parser(text, watch=False).run()
    return found is None or found.stopped > pos


def _next_line_end(s: str, pos: int) -> int:
    """The end of the line after the line of `pos` (or of the text)."""
    end = s.find("\n", pos)
    end = s.find("\n", end + 1) if end >= 0 else -1
    return len(s) if end < 0 else end


def _before(s: str, i: int) -> int:
    """The index of the last character before `i` that is not white space (0 if none)."""
    k = i - 1
    while k > 0 and s[k] in " \t\r\n":
        k -= 1
    return max(k, 0)


def _unescaped(s: str, k: int) -> bool:
    """Whether the character at `k` is not escaped by a backslash (an odd number of them)."""
    j = k
    while j > 0 and s[j - 1] == "\\":
        j -= 1
    return (k - j) % 2 == 0


def _named(c: str) -> str:
    name = unicodedata.name(c, "")
    return f"U+{ord(c):04X} {name}" if name else f"U+{ord(c):04X}"


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "\u2026"
