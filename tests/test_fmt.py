"""`tikznn fmt`: one layout for every spelling of the same text, every example in it, nothing but white space
changed (the same figure drawn), comments kept, `--check` for CI."""
import random
import re

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from tikznn import fmt
from tikznn.cli import app
from tikznn.fmt import bare, format_text
from tikznn.pipeline import formatted

EVERY = sorted(EXAMPLES.rglob("*.nn"))

MESSY = '''# top
network   "X"   # title
block  res (c , s = 1)   # a block
\tconv $c k3 s$s p1 bn  {color = red nolabel}
  add in relu
end
input 3x32x32
a=conv 8 k3 p1 "C # not a comment" {color=#ff0000,opacity=0.5}   # c
stage "s"
conv 8 k3 p1
   # inner comment
res( 8 )  x2
end
b = conv 8 k1
skip a->b  "x"


'''
TIDY = '''# top
network "X"        # title
block res(c, s=1)  # a block
    conv $c k3 s$s p1 bn {color=red nolabel}
    add in relu
end
input 3x32x32
a = conv 8 k3 p1 "C # not a comment" {color=#ff0000, opacity=0.5}  # c
stage "s"
    conv 8 k3 p1
    # inner comment
    res(8) x2
end
b = conv 8 k1
skip a -> b "x"
'''


def test_a_messy_text_is_laid_out_one_way_and_means_the_same(tmp_path):
    assert format_text(MESSY) == TIDY
    assert format_text(TIDY) == TIDY
    path = tmp_path / "messy.nn"
    path.write_text(MESSY)
    assert formatted(path) == (MESSY, TIDY)  # (checked: the same figure, nothing but white space changed)
    assert len(TIDY.splitlines()) == len(MESSY.rstrip("\n").splitlines())  # every line on its line


@pytest.mark.parametrize("path", EVERY, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_every_example_is_laid_out_and_any_spelling_of_it_comes_back_to_it(path):
    text = path.read_text(encoding="utf-8")
    assert formatted(path) == (text, text)  # `tikznn fmt --check` passes on it
    rng = random.Random(path.name)
    for _ in range(3):
        assert format_text(respelled(text, rng)) == text


def respelled(text: str, rng: random.Random) -> str:
    """The same text with its white space changed at random: indentation, gaps between words (around '=' and '->'
    too), before comments; tabs and CRLF line ends."""
    lines = []
    for line in text.splitlines():
        code, comment = fmt._split(line)
        pieces = re.split(r'("(?:[^"\\]|\\.)*")', code.strip())  # strings kept whole
        for i in range(0, len(pieces), 2):
            pieces[i] = re.sub(r"\s+", lambda _: rng.choice([" ", "  ", "\t", "   "]), pieces[i])
            pieces[i] = re.sub(r"\s*(=|->)\s*", lambda m: rng.choice(["", " ", "  "]) + m.group(1) +
                               rng.choice(["", " "]), pieces[i]) if not pieces[i].lstrip().startswith("{") else \
                pieces[i]
        code = rng.choice(["", " ", "\t", "      "]) + "".join(pieces)
        lines.append(code + (rng.choice([" ", "   ", "\t"]) + comment if comment and code.strip() else comment))
    return rng.choice(["\n", "\r\n"]).join(lines) + "\n" * rng.randint(1, 3)


def test_comments_and_strings_are_kept_word_for_word():
    for path in EVERY:
        text = path.read_text(encoding="utf-8")
        comments = [fmt._split(line)[1] for line in text.splitlines()]
        strings = re.findall(r'"(?:[^"\\]|\\.)*"', text)
        out = format_text(respelled(text, random.Random(1)))
        assert [fmt._split(line)[1] for line in out.splitlines()] == comments
        assert re.findall(r'"(?:[^"\\]|\\.)*"', out) == strings
        assert bare(out) == bare(text)


def test_check_says_which_files_and_changes_nothing_and_fmt_writes_only_what_changes(tmp_path):
    messy, tidy = tmp_path / "messy.nn", tmp_path / "tidy.nn"
    messy.write_text(MESSY)
    tidy.write_text(TIDY)
    before = tidy.stat().st_mtime_ns
    result = CliRunner().invoke(app, ["fmt", "--check", str(messy), str(tidy)])
    assert result.exit_code == 10 and "messy.nn: not laid out" in result.output and "tidy.nn" not in result.output
    assert messy.read_text() == MESSY
    result = CliRunner().invoke(app, ["fmt", str(messy), str(tidy)])
    assert result.exit_code == 0 and result.output == f"laid out {messy}\n"
    assert messy.read_text() == TIDY and tidy.stat().st_mtime_ns == before
    assert CliRunner().invoke(app, ["fmt", "--check", str(messy), str(tidy)]).exit_code == 0


def test_text_that_does_not_parse_is_reported_and_left_alone(tmp_path):
    path = tmp_path / "bad.nn"
    path.write_text('network "x"\ninput 3x32x32\n  conv 4 k3 bogus\n')
    result = CliRunner().invoke(app, ["fmt", str(path)])
    assert result.exit_code == 3 and f"{path}:3:13: syntax error" in result.output
    assert path.read_text() == 'network "x"\ninput 3x32x32\n  conv 4 k3 bogus\n'


def test_a_layout_that_would_change_the_meaning_is_refused(tmp_path, monkeypatch):
    """The check behind every rewrite: a formatter bug (here: a word lost, a word run into the next) is an error,
    and the file is not touched."""
    path = tmp_path / "net.nn"
    path.write_text(TIDY)
    for broken in (lambda text: text.replace(" p1", ""), lambda text: text.replace("k3 p1", "k3p1")):
        monkeypatch.setattr(fmt, "format_text", lambda text, broken=broken: broken(TIDY))
        result = CliRunner().invoke(app, ["fmt", str(path)])
        assert result.exit_code == 1 and "would change what it says" in result.output
        assert path.read_text() == TIDY


@pytest.mark.parametrize("text, tidy", [
    ("b(8, col=#1f77b4)\n", "b(8, col=#1f77b4)\n"),  # a colour in a block's arguments is not a comment
    ('# a 5" screen\n  conv 8\n', '# a 5" screen\nconv 8\n'),  # nor is a quote in a comment a string
    ("# }\nconv 8 {color = red nolabel}\n", "# }\nconv 8 {color=red nolabel}\n"),
    ('conv 8 "a\tb"   # a\tb\n', 'conv 8 "a\tb"  # a\tb\n'),  # tabs in strings and comments kept
    ("conv\u00a0$c\n", "conv\u00a0$c\n"),  # a no-break space is not white space to the grammar
    ("conv $c {color=red,,nolabel}\n", "conv $c {color=red, , nolabel}\n"),  # no separator added or taken away
])
def test_what_is_not_white_space_is_left_as_it_is(text, tidy):
    assert format_text(text) == tidy and format_text(tidy) == tidy and bare(tidy) == bare(text)
