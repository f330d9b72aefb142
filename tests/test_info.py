"""`tikznn info`: the table and the JSON report of every example."""
import json

import pytest

from conftest import EXAMPLES, tikznn
from test_shapes import PUBLISHED
from tikznn import parse_file
from tikznn.shapes import analyse

EXAMPLE_NAMES = ["lenet", "fcn8", "resnet18", "vgg16", "alexnet", "mlp", "siamese"]


def info(*args):
    return tikznn("info", *args)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_json_report(name):
    run = info(EXAMPLES / f"{name}.nn", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    network = parse_file(EXAMPLES / f"{name}.nn")
    analysis = analyse(network)
    assert set(report) == {"network", "input_shape", "total_params", "total_macs", "layers"}
    assert report["network"] == network.name
    assert report["input_shape"] == list(network.layers[0].shape)
    assert [layer["name"] for layer in report["layers"]] == network.names()
    for row in report["layers"]:
        assert set(row) == {"name", "kind", "output_shape", "params", "macs"}
        assert row["output_shape"] == list(analysis[row["name"]].shape)
    assert report["total_params"] == sum(row["params"] for row in report["layers"])
    assert report["total_macs"] == sum(row["macs"] for row in report["layers"])
    if name in PUBLISHED:
        assert report["total_params"] == PUBLISHED[name]


def test_table_lists_every_layer_with_totals():
    run = info(EXAMPLES / "resnet18.nn")
    assert run.returncode == 0
    lines = run.stdout.splitlines()
    assert lines[0] == "ResNet-18"
    header = next(line for line in lines if line.lstrip().startswith("line"))
    assert header.split() == ["line", "layer", "kind", "output", "params", "MACs"]
    assert any(line.split()[:2] == ["4", "conv#1"] and "conv 64 k7 s2 p3 bn relu" in line and "64×112×112" in line
               and "9,536" in line for line in lines)
    assert lines[-1].startswith("total: 11,689,512 parameters (11.7M), 1.81G MACs")


def test_info_reports_shape_errors_with_location(tmp_path):
    bad = tmp_path / "bad.nn"
    bad.write_text("input 64x56x56\nx = conv 128 k3 s2 p1\na = input 64x56x56\nadd x a\n")
    run = info(bad)
    assert run.returncode == 4 and f"{bad}:4:1" in run.stderr and "Traceback" not in run.stderr


def test_table_groups_layers_by_stage_with_their_totals():
    run = info(EXAMPLES / "resnet18.nn")
    rows = {line.split()[0]: line for line in run.stdout.splitlines() if line.strip().startswith("[")}
    assert list(rows) == ["[conv2_x]", "[conv3_x]", "[conv4_x]", "[conv5_x]"]
    # conv2_x: four 3×3 convs of 64 channels with batch-norm
    assert "147,968" in rows["[conv2_x]"]
