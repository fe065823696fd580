"""Read the shape of an RE2 pattern: does an unbounded repeat sit inside another one?

Python's `re` parser does not know RE2 syntax (`\\p{Han}`, `\\pN`, `\\Q…\\E`, `(?P<n>…)`,
`[[:alpha:]]`, `(?U)`), so this is a small scanner for RE2's grammar. It only needs the
nesting of groups and where repeats apply; anything it does not recognise is refused
(UnanalysableRegexError), never waved through.
"""

UNBOUNDED_ABOVE = 100  # a counted repeat above this is treated as unbounded
_FLAGS = set("imsU-")


class UnanalysableRegexError(ValueError):
    """A pattern the shape check cannot read; refused rather than skipped."""


def nested_unbounded(pattern: str) -> bool:
    """Tell whether an unbounded repeat is repeated unboundedly, like `(a+)+`."""
    scanner = _Scanner(pattern)
    nested, _ = scanner.sequence(depth=0)
    if scanner.pos != len(pattern):
        raise UnanalysableRegexError(f"无法分析的正则 (unbalanced ')' at {scanner.pos})")
    return nested


class _Scanner:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pos = 0

    def sequence(self, depth: int) -> tuple[bool, bool]:
        """Read alternatives up to ')' or the end: (nested found, holds an unbounded repeat)."""
        nested = unbounded = False
        while self.pos < len(self.text) and self.text[self.pos] != ")":
            if self.text[self.pos] == "|":
                self.pos += 1
                continue
            atom_nested, atom_unbounded = self.atom(depth)
            repeat = self.quantifier()
            if repeat == "unbounded":
                atom_nested = atom_nested or atom_unbounded
                atom_unbounded = True
            nested = nested or atom_nested
            unbounded = unbounded or atom_unbounded
        return nested, unbounded

    def atom(self, depth: int) -> tuple[bool, bool]:
        char = self.text[self.pos]
        if char == "(":
            return self.group(depth)
        if char == "[":
            self.char_class()
        elif char == "\\":
            self.escape()
        elif char in "*+?":
            raise UnanalysableRegexError(f"无法分析的正则 (repeat without operand at {self.pos})")
        else:
            self.pos += 1
        return False, False

    def group(self, depth: int) -> tuple[bool, bool]:
        start = self.pos
        self.pos += 1
        if self.text.startswith("?", self.pos):
            self.pos += 1
            if self.text.startswith(("P<", "<"), self.pos):
                end = self.text.find(">", self.pos)
                if end < 0:
                    raise UnanalysableRegexError(f"无法分析的正则 (group name at {start})")
                self.pos = end + 1
            else:
                while self.pos < len(self.text) and self.text[self.pos] in _FLAGS:
                    self.pos += 1
                if self.text.startswith(")", self.pos):  # (?i): flags for the rest
                    self.pos += 1
                    return False, False
                if not self.text.startswith(":", self.pos):
                    raise UnanalysableRegexError(f"无法分析的正则 (group syntax at {start})")
                self.pos += 1
        result = self.sequence(depth + 1)
        if not self.text.startswith(")", self.pos):
            raise UnanalysableRegexError(f"无法分析的正则 (unclosed group at {start})")
        self.pos += 1
        return result

    def char_class(self) -> None:
        start = self.pos
        self.pos += 1
        if self.text.startswith("^", self.pos):
            self.pos += 1
        if self.text.startswith("]", self.pos):  # a leading ] is a literal
            self.pos += 1
        while self.pos < len(self.text):
            if self.text.startswith("[:", self.pos):
                end = self.text.find(":]", self.pos + 2)
                if end < 0:
                    raise UnanalysableRegexError(f"无法分析的正则 (class at {start})")
                self.pos = end + 2
            elif self.text[self.pos] == "\\":
                self.escape()
            elif self.text[self.pos] == "]":
                self.pos += 1
                return
            else:
                self.pos += 1
        raise UnanalysableRegexError(f"无法分析的正则 (unclosed class at {start})")

    def escape(self) -> None:
        start = self.pos
        self.pos += 1
        if self.pos >= len(self.text):
            raise UnanalysableRegexError(f"无法分析的正则 (trailing backslash at {start})")
        kind = self.text[self.pos]
        self.pos += 1
        if kind in "pPx" and self.text.startswith("{", self.pos):
            end = self.text.find("}", self.pos)
            if end < 0:
                raise UnanalysableRegexError(f"无法分析的正则 (escape at {start})")
            self.pos = end + 1
        elif kind in "pP":
            self.pos += 1  # one-letter class name, \pN
        elif kind == "x":
            self.pos += 2
        elif kind == "Q":  # literal text up to \E
            end = self.text.find("\\E", self.pos)
            self.pos = len(self.text) if end < 0 else end + 2

    def quantifier(self) -> str:
        """Read a repeat after an atom: "" (none), "bounded" or "unbounded"."""
        if self.pos >= len(self.text):
            return ""
        char = self.text[self.pos]
        found = ""
        if char in "*+":
            self.pos += 1
            found = "unbounded"
        elif char == "?":
            self.pos += 1
            found = "bounded"
        elif char == "{":
            end = self.text.find("}", self.pos)
            body = self.text[self.pos + 1 : end] if end > 0 else ""
            low, comma, high = body.partition(",")
            if not low.isdigit() or (high and not high.isdigit()):
                self.pos += 1  # RE2 reads a `{` that starts no repeat as a literal
                return ""
            self.pos = end + 1
            top = int(high) if high else (None if comma else int(low))
            found = "unbounded" if top is None or top > UNBOUNDED_ABOVE else "bounded"
        if found and self.pos < len(self.text) and self.text[self.pos] == "?":
            self.pos += 1  # lazy
        following = self.text[self.pos] if found and self.pos < len(self.text) else ""
        if following and following in "*+?{" and (following != "{" or self.quantifier()):
            raise UnanalysableRegexError(f"无法分析的正则 (double repeat at {self.pos})")
        return found
