"""`tikznn serve` in a real browser (Debian's chromium, driven by Playwright): open the page, see the figure and its
totals; edit a layer, see both change; type an error, see it at its line with the last figure kept; save, and the
file has the text. And what it refuses: requests from other pages, files it was not started on."""
import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from conftest import need, need_module

pytestmark = [pytest.mark.latex, pytest.mark.processes]

NET = 'network "Live"\ninput 3x32x32 "Image"\nconv 8 k3 p1 relu "conv1"\npool max 2\nflatten\ndense 10 "out"\n'


@pytest.fixture
def served(tmp_path):
    (tmp_path / "live.nn").write_text(NET)
    (tmp_path / "other.txt").write_text("not served")
    server = subprocess.Popen([sys.executable, "-m", "tikznn", "serve", str(tmp_path / "live.nn"), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    address = re.search(r"http://\S+", line)
    assert address, line + server.stderr.read()
    yield address.group(), tmp_path
    server.terminate()
    server.wait(10)


def test_the_page_draws_as_you_type_keeps_the_last_figure_on_an_error_and_saves(served):
    address, folder = served
    sync_api = need_module("playwright.sync_api")
    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    need(browser_path, "chromium is not installed (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(bypass_csp=True)  # (the page forbids eval; the test needs it to wait)
        page.goto(address)
        page.wait_for_function("document.getElementById('status').textContent === 'drawn'", timeout=60_000)
        first = page.get_attribute("#figure", "src")
        totals = page.inner_text("#totals")
        assert first.startswith("data:image/svg+xml") and "parameters" in totals
        # conv 8 -> conv 16: 3·9·16 + 16 = 448 parameters, and dense 10 on 16·16·16: 40,970: in all 41,418
        page.fill("#text", NET.replace("conv 8 k3", "conv 16 k3"))
        page.wait_for_function("document.getElementById('totals').textContent.startsWith('41,418')",
                               timeout=60_000)
        second = page.get_attribute("#figure", "src")
        assert second != first
        assert "16" in page.inner_text("#table")
        box = page.evaluate("shapes.find((s) => s.line === 3).box")  # conv1's block, in the figure's pt
        natural = page.evaluate("[document.getElementById('figure').naturalWidth, "
                                "document.getElementById('figure').clientWidth]")
        factor = natural[1] / natural[0] * 96 / 72
        page.click("#figure", position={"x": (box[0] + box[2]) / 2 * factor, "y": (box[1] + box[3]) / 2 * factor})
        assert page.evaluate("document.getElementById('text').value.substring("
                             "document.getElementById('text').selectionStart, "
                             "document.getElementById('text').selectionEnd)") == 'conv 16 k3 p1 relu "conv1"'
        page.fill("#text", NET.replace("conv 8 k3", "conv 16 k3 bogus"))
        page.wait_for_selector("#error:not([hidden])", timeout=60_000)
        assert "live.nn:3:" in page.inner_text("#error") and page.inner_text("#status") == "error at line 3"
        assert page.get_attribute("#figure", "src") == second  # the last good figure stays
        page.fill("#text", NET.replace("conv 8 k3", "conv 12 k3"))
        page.wait_for_function("document.getElementById('status').textContent === 'drawn'", timeout=60_000)
        page.click("#save")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('saved')",
                               timeout=30_000)
        browser.close()
    assert (folder / "live.nn").read_text() == NET.replace("conv 8 k3", "conv 12 k3")


def post(address: str, path: str, body: dict, headers: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(address + path, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_only_its_own_page_may_change_a_file_and_only_the_files_it_serves(served):
    address, folder = served
    ours = {"X-Tikznn": "1", "Origin": address, "Content-Type": "application/json"}
    # another site's page can send a form (no custom header) or a request from its own origin
    for headers in ({"Content-Type": "text/plain", "Origin": "http://evil.example"},
                    {**ours, "Origin": "http://evil.example"}, {"Content-Type": "application/json", "Origin": address}):
        status, _ = post(address, "/api/save", {"file": 0, "text": "overwritten"}, headers)
        assert status == 403
    assert (folder / "live.nn").read_text() == NET
    for file in (1, -1, "../other.txt"):  # files are named by their place in its list, nothing else
        status, _ = post(address, "/api/save", {"file": file, "text": "overwritten"}, ours)
        assert status == 400
    assert (folder / "other.txt").read_text() == "not served"
    status, body = post(address, "/api/export", {"file": 0, "text": NET, "format": "pdf"}, ours)
    assert status == 200 and body.startswith(b"%PDF")
    with urllib.request.urlopen(address + "/api/files", timeout=30) as response:
        assert [f["name"] for f in json.load(response)["files"]] == ["live.nn"]
    rebound = urllib.request.Request(address + "/api/files", headers={"Host": "evil.example:80"})
    with pytest.raises(urllib.error.HTTPError) as caught:  # a site whose name was pointed at this machine
        urllib.request.urlopen(rebound, timeout=30)
    assert caught.value.code == 421


def test_bad_requests_get_an_answer_and_a_folder_serves_only_its_regular_nn_files(tmp_path, tmp_path_factory):
    import os
    (tmp_path / "a.nn").write_text(NET)
    (tmp_path / "latin1.nn").write_bytes('network "caf\xe9"\n'.encode("latin-1"))
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("hunter2")
    (tmp_path / "link.nn").symlink_to(outside / "secret.txt")
    os.mkfifo(tmp_path / "fifo.nn")
    server = subprocess.Popen([sys.executable, "-m", "tikznn", "serve", str(tmp_path), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        address = re.search(r"http://\S+", server.stdout.readline()).group()
        with urllib.request.urlopen(address + "/api/files", timeout=30) as response:
            files = json.load(response)["files"]
        assert [f["name"] for f in files] == ["a.nn", "latin1.nn"] and "hunter2" not in json.dumps(files)
        ours = {"X-Tikznn": "1", "Origin": address, "Content-Type": "application/json"}
        for body in ({"file": 0, "text": "\ud800"}, {"file": True, "text": NET}, {"file": 0.0, "text": NET},
                     {"file": "0", "text": NET}, {"file": 0, "text": 7}):
            assert post(address, "/api/build", body, ours)[0] == 400, body
        status, _ = post(address, "/api/export", {"file": 0, "text": NET, "format": [1]}, ours)
        assert status == 404
        # a .nn text cannot read outside its folder, even to show it in an error
        for line in ('theme "/etc/passwd"', 'import "../outside/secret.txt"'):
            status, body = post(address, "/api/build", {"file": 0, "text": f'network "x"\n{line}\ninput 3x8x8\n'},
                                ours)
            assert status == 200 and b"outside the .nn file's folder" in body and b"root:" not in body
    finally:
        server.terminate()
        server.wait(10)
    assert not server.stderr.read().count("Traceback")
