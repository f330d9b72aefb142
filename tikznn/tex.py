"""Turning user text into TeX: the one escaping function every label goes through.

Literal Greek letters, sub- and superscript digits, arrows and common math symbols become math (every engine
typesets that); Chinese and Japanese runs are marked with \tikznncjk, other runs pdflatex cannot set with
\tikznnwide (see definitions.tex.j2): under pdflatex those are found before compiling (`untypeset`) and stop the
build, unless the build runs xelatex or lualatex, which set them in fonts that have them.
"""
from __future__ import annotations

import re
import unicodedata

from .errors import ModelError

# A standalone pdflatex figure's text after \\begin{document} is the same in every figure of a preamble up to this
# line (the labels' fonts loaded: standalone.tex.j2); a build's head start is given that text early (latex.py).
PICTURE_MARK = "% the picture\n"

_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
    "_": r"\_", "^": r"\^{}", "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "|": r"\textbar{}", "×": r"\ensuremath{\times}", "·": r"\ensuremath{\cdot}", "−": r"\ensuremath{-}",
    "→": r"\ensuremath{\rightarrow}", "…": r"\ldots{}", "\n": " ", "\r": " ", "\t": " ",
}
_GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi o pi rho varsigma sigma tau "
          "upsilon phi chi psi omega").split()
_SYMBOLS = {
    "←": r"\leftarrow", "↑": r"\uparrow", "↓": r"\downarrow", "↔": r"\leftrightarrow", "⇒": r"\Rightarrow",
    "⇐": r"\Leftarrow", "⇔": r"\Leftrightarrow", "↦": r"\mapsto", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq",
    "≈": r"\approx", "≡": r"\equiv", "∼": r"\sim", "±": r"\pm", "∓": r"\mp", "÷": r"\div", "∞": r"\infty",
    "∑": r"\sum", "∏": r"\prod", "∫": r"\int", "√": r"\surd", "∂": r"\partial", "∇": r"\nabla",
    "∈": r"\in", "∉": r"\notin", "⊂": r"\subset", "∪": r"\cup", "∩": r"\cap", "∀": r"\forall",
    "∃": r"\exists", "∅": r"\emptyset", "⊕": r"\oplus", "⊗": r"\otimes", "⊙": r"\odot", "∘": r"\circ",
    "∗": r"\ast", "⋅": r"\cdot", "′": r"\prime", "ℓ": r"\ell", "ℝ": r"\mathbf{R}", "∥": r"\Vert",
    "‖": r"\Vert", "⟨": r"\langle", "⟩": r"\rangle", "ϵ": r"\epsilon", "ϑ": r"\vartheta", "ϕ": r"\phi",
    "ϱ": r"\varrho", "ϖ": r"\varpi",
}
for _i, _name in enumerate(_GREEK):  # α..ω (U+03B1..), and the capitals that are not Latin letters
    _SYMBOLS[chr(0x3B1 + _i)] = "o" if _name == "o" else "\\" + _name
    _capital = chr(0x391 + _i)
    if _name in ("gamma", "delta", "theta", "lambda", "xi", "pi", "sigma", "upsilon", "phi", "psi", "omega"):
        _SYMBOLS[_capital] = "\\" + _name.capitalize()
    elif _name not in ("varsigma",):
        _SYMBOLS[_capital] = r"\mathrm{" + unicodedata.name(_capital).split()[-1][0] + "}" \
            if _name not in ("eta", "chi") else r"\mathrm{" + {"eta": "H", "chi": "X"}[_name] + "}"
_SYMBOLS["φ"] = r"\varphi"
_SYMBOLS["ε"] = r"\varepsilon"
for _digit in range(10):
    _SYMBOLS["₀₁₂₃₄₅₆₇₈₉"[_digit]] = f"{{}}_{{{_digit}}}"
    _SYMBOLS["⁰¹²³⁴⁵⁶⁷⁸⁹"[_digit]] = f"{{}}^{{{_digit}}}"
_SYMBOLS.update({"⁺": "{}^{+}", "⁻": "{}^{-}", "₊": "{}_{+}", "₋": "{}_{-}", "ᵀ": "{}^{\\mathsf{T}}",
                 "ⁿ": "{}^{n}", "ᵢ": "{}_{i}", "ⱼ": "{}_{j}", "ₜ": "{}_{t}"})

# What pdflatex (T1 and Latin Modern, utf8 input) typesets as text: Latin-1, Latin Extended-A, and punctuation
_TEXT_OK = set(chr(c) for c in range(0x20, 0x7F)) | set(chr(c) for c in range(0xA0, 0x180)) | set("–—‘’‚“”„†‡•‰‹›€™")
_CJK = re.compile("[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$")


# The math a label may hold between $ signs: these control sequences and no other (a figure comes from anywhere;
# TeX's primitives read and write files: \input, \openin, \pdfobj file, \special, \directlua, \write, ...).
MATH_WORDS = frozenset((
    # Greek
    *_GREEK, "varepsilon", "vartheta", "varpi", "varrho", "varphi",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
    # type faces and accents
    "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathcal",
    "hat", "bar", "tilde", "vec", "dot", "ddot", "check", "breve", "acute", "grave", "widehat", "widetilde",
    "overline", "underline", "overrightarrow",
    # structures
    "frac", "sqrt", "left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr",
    # operators and relations
    "cdot", "times", "div", "pm", "mp", "ast", "star", "circ", "bullet", "odot", "oplus", "otimes", "ominus",
    "wedge", "vee", "cap", "cup", "setminus", "leq", "geq", "le", "ge", "neq", "ne", "approx", "equiv", "sim",
    "simeq", "propto", "in", "notin", "subset", "subseteq", "supset", "supseteq", "ll", "gg", "mid", "parallel",
    # arrows
    "to", "gets", "leftarrow", "rightarrow", "leftrightarrow", "Leftarrow", "Rightarrow", "Leftrightarrow",
    "longrightarrow", "longleftarrow", "mapsto", "uparrow", "downarrow",
    # symbols and delimiters
    "infty", "partial", "nabla", "forall", "exists", "emptyset", "ell", "prime", "Vert", "vert", "langle",
    "rangle", "lfloor", "rfloor", "lceil", "rceil", "ldots", "cdots", "dots", "vdots", "surd", "top", "bot",
    # big operators and named functions
    "sum", "prod", "int", "log", "ln", "exp", "sin", "cos", "tan", "tanh", "max", "min", "arg", "lim", "sup", "inf",
    "det", "dim",
    # spacing
    "quad", "qquad",
))  # (all defined by LaTeX itself: no package a paper might lack)
_MATH_SYMBOLS = frozenset(",;:!{}%#&_$| ")  # \, \; \: \! \{ \} \% \# \& \_ \$ \| and a backslash-space
MATH_HINT = ("math in labels takes Greek letters, operators and relations, arrows, \\frac, \\sqrt, sub- and "
             "superscripts, accents and \\mathrm-style faces (docs/language.md, Labels)")
_CONTROL = re.compile(r"\\([A-Za-z]+|.)", re.S)


def math_problem(math: str) -> str | None:
    """What in a label's math (between its $ signs) is not in the vocabulary tikznn lets through, if anything."""
    if "^^" in math:  # (TeX reads ^^5c as a backslash: a way round any list of words)
        return "'^^' in math (TeX reads it as a character code): write ^{} ^{} for two superscripts"
    for match in _CONTROL.finditer(math):
        word = match.group(1)
        if word not in MATH_WORDS and word not in _MATH_SYMBOLS:
            return (f"\\{word} is not math tikznn lets through (labels come from anywhere, and TeX commands can "
                    "read and write files)")
    depth = 0
    for ch in _CONTROL.sub("", math):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return "a '}' closes a brace the math did not open"
    return "a '{' the math does not close" if depth else None


MAX_LABEL = 1_000  # characters: a label is a few words; a megabyte of one costs gigabytes to lay out


def label_problem(text: str) -> str | None:
    """What makes a label's text unfit for a figure, if anything: its length, its math outside the vocabulary."""
    if len(text) > MAX_LABEL:
        return f"a label of {len(text):,} characters: a label is at most {MAX_LABEL:,}"
    for math, piece in split_math(text):
        found = math and math_problem(piece)
        if found:
            return found
    return None


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def has_hangul(text: str) -> bool:
    return bool(_HANGUL.search(text))


def cjk_count(text: str) -> int:
    """Characters a full em wide: Chinese, Japanese and Korean."""
    return sum(len(run) for run in _CJK.findall(text)) + len(_HANGUL.findall(text))


def untypeset(text: str) -> str | None:
    """The first character of a label that pdflatex cannot typeset here, if any (Korean: no font for it yet)."""
    for ch in text:
        if ch in _TEXT_OK or ch in _SYMBOLS or ch in _SPECIAL or (_CJK.match(ch) and not _HANGUL.match(ch)):
            continue
        return ch
    return None


def split_math(text: str) -> list[tuple[bool, str]]:
    """A label in pieces: (True, math without its $ signs) or (False, plain text)."""
    pieces, pos = [], 0
    for match in _MATH.finditer(text):
        if match.start() > pos:
            pieces.append((False, text[pos:match.start()]))
        pieces.append((True, match.group(1)))
        pos = match.end()
    if pos < len(text):
        pieces.append((False, text[pos:]))
    return pieces


def escape(text: str) -> str:
    """TeX for a label: special characters escaped, `$...$` kept as math, `\\$` a literal dollar.

    Math is passed on as written, except the characters that would end the node or the line in TeX
    (% # &), and line breaks; it may hold only the control sequences of MATH_WORDS (anything else is refused).
    """
    problem = label_problem(text)
    if problem:  # (the parser says so where the label is written; this is the last wall)
        raise ModelError(f"the label \"{text}\": {problem}", hint=MATH_HINT)
    return "".join("$" + _escape_math(piece) + "$" if math else _escape_plain(piece)
                   for math, piece in split_math(text))


def _escape_math(text: str) -> str:
    text = re.sub(r"(?<!\\)([%#&])", r"\\\1", text).replace("\n", " ").replace("\r", " ")
    return "".join(_SYMBOLS[ch] + " " if ch in _SYMBOLS and _SYMBOLS[ch][0] == "\\" else _SYMBOLS.get(ch, ch)
                   for ch in text)


def _escape_plain(text: str) -> str:
    text = text.replace("\\$", "\0")  # a literal dollar written as \$
    pieces, pos = [], 0
    for run in _CJK.finditer(text):
        pieces.append(_escape_latin(text[pos:run.start()]))
        pieces.append(r"\tikznncjk{" + run.group() + "}")
        pos = run.end()
    pieces.append(_escape_latin(text[pos:]))
    return "".join(pieces).replace("\0", r"\$")


def _escape_latin(text: str) -> str:
    """Text outside Chinese runs: specials escaped, symbols as math, and runs pdflatex cannot set (Cyrillic,
    Korean, ...) marked with \\tikznnwide{...}, which xelatex and lualatex set in a font that has them."""
    out, run, run_kind = [], [], ""

    def close() -> None:
        if run:
            out.append(rf"\{run_kind}{{" + "".join(run) + "}")
            run.clear()

    for ch in text:
        if ch != "\0" and untypeset(ch) is not None:  # (\0 stands for a literal dollar here)
            kind = "tikznnko" if _HANGUL.match(ch) else "tikznnwide"  # Korean has a font of its own
            if kind != run_kind:
                close()
                run_kind = kind
            run.append(ch)
            continue
        close()
        out.append(_SPECIAL.get(ch) or (r"\ensuremath{" + _SYMBOLS[ch] + "}" if ch in _SYMBOLS else ch))
    close()
    return "".join(out)


_UNITS_CM = {"cm": 1.0, "mm": 0.1, "in": 2.54, "pt": 2.54 / 72.27}


RELATIVE_WIDTH = re.compile(r"(\d*\.?\d+)?\\(linewidth|textwidth|columnwidth)")  # known only in a document


# widths with a name: a two-column paper's column and its text width (IEEEtran's; docs/language.md lists others)
NAMED_WIDTHS = {"column": "252pt", "page": "516pt"}


def length_cm(length: str) -> float | None:
    """A TeX length like '17cm' or '6.5in' (or a named width) in centimetres; None for one relative to the page
    (0.8\\linewidth), which only the document a fragment is input into knows."""
    length = NAMED_WIDTHS.get(length.strip(), length)
    if RELATIVE_WIDTH.fullmatch(length.strip()):
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(cm|mm|in|pt)", length.strip())
    if not match:
        raise ModelError(f"'{length}' is not a width",
                         hint="write a length like 17cm, 170mm, 6.5in or 480pt, column or page, or \\linewidth for a "
                              "fragment")
    return float(match.group(1)) * _UNITS_CM[match.group(2)]
