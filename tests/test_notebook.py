"""Jupyter, as a user meets it: a notebook executed headless (nbclient, a real kernel) shows the figure of a parsed
network and of one built in Python, the %%tikznn magic draws a cell's .nn text and prints its table, and what
cannot be drawn is said in the cell's output, not raised."""
import base64

import pytest

from conftest import EXAMPLES, need_module

pytestmark = pytest.mark.latex

CELLS = [
    ("import os, tikznn\n"
     f"net = tikznn.parse(open({str(EXAMPLES / 'lenet.nn')!r}, encoding='utf-8').read())\n"
     "net"),
    ("from tikznn import Network\n"
     "built = Network('Tiny').input(3, 32, 32).conv(8, k=3, p=1, act='relu').pool('max', 2).flatten().dense(10)\n"
     "tikznn.display(built, style='flat', format='svg')"),
    "%load_ext tikznn",
    '%%tikznn --width column\nnetwork "Cell"\ninput 1x28x28\nconv 4 k3\nflatten\ndense 10\n',
    '%%tikznn --info\nnetwork "Cell"\ninput 1x28x28\nconv 4 k3\nflatten\ndense 10\n',
    '%%tikznn\nnetwork "Bad"\ninput 1x28x28\nconv 4 k3 bogus\n',
    "tikznn.display(net, colour='red')",
    "path = os.environ['PATH']\nos.environ['PATH'] = ''\ntry:\n    display(net)\nfinally:\n"
    "    os.environ['PATH'] = path",
]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Each cell's outputs, from the notebook run top to bottom in a fresh kernel."""
    nbformat = need_module("nbformat")
    nbclient = need_module("nbclient")
    need_module("ipykernel")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell) for cell in CELLS])
    folder = tmp_path_factory.mktemp("notebook")
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}}).execute()
    return [cell.outputs for cell in notebook.cells]


def data(outputs, mime: str):
    found = [output["data"][mime] for output in outputs if "data" in output and mime in output["data"]]
    assert found, f"no {mime} in {outputs}"
    return found[0]


def test_a_parsed_network_shows_its_figure(outputs):
    png = base64.b64decode(data(outputs[0], "image/png"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_a_network_built_in_python_shows_its_figure_with_settings(outputs):
    svg = data(outputs[1], "image/svg+xml")
    assert svg.lstrip().startswith(("<?xml", "<svg")) and "</svg>" in svg


def test_the_cell_magic_draws_and_tabulates(outputs):
    assert outputs[2] == []
    png = base64.b64decode(data(outputs[3], "image/png"))
    assert png.startswith(b"\x89PNG")
    table = data(outputs[4], "text/plain")
    # conv 4 k3: 4·9 + 4 = 40 parameters; dense 10 on 4×26×26: 2,704·10 + 10 = 27,050; in all 27,090
    assert "40" in table and "27,050" in table and "27,090" in table


def test_what_cannot_be_drawn_is_said_not_raised(outputs):
    for cell, said in ((5, "<cell>:3:11: syntax error"), (6, "a figure has no setting 'colour'"),
                       (7, "pdflatex")):
        assert not [o for o in outputs[cell] if o["output_type"] == "error"], outputs[cell]
        assert said in data(outputs[cell], "text/plain"), outputs[cell]


@pytest.mark.parametrize("line, said", [('--width "3in', "No closing quotation"), ("--width --svg", "needs a value"),
                                        ("--stats maybe", "say yes or no"), ("width 3in", "is not an option"),
                                        ("--format gif", "choose from png, svg")])
def test_the_magics_options_are_checked_and_said(line, said):
    from tikznn.notebook import _cell_magic

    bundle = _cell_magic(line, 'network "x"\ninput 1x28x28\nconv 4 k3\n')._repr_mimebundle_()
    assert said in bundle["text/plain"] and not {"image/png", "image/svg+xml"} & set(bundle)


def test_the_magic_takes_settings_as_the_command_line_does():
    from tikznn.notebook import _cell_magic

    bundle = _cell_magic("--format svg --sizes 0.7 --fontsize 1.3 --stats yes",
                         'network "x"\ninput 1x28x28\nconv 4 k3\n')._repr_mimebundle_()
    assert "</svg>" in bundle["image/svg+xml"]
