// tikznn serve: the text is sent as you type (after a pause), the figure and table come back; an error is shown at
// its line while the last good figure stays; Save writes the file; the downloads are made from the current text.
"use strict";
const $ = (id) => document.getElementById(id);
let files = [], current = 0, asked = 0, timer = null, shapes = [];

async function post(path, body) {
  return fetch(path, { method: "POST", headers: { "Content-Type": "application/json", "X-Tikznn": "1" },
                       body: JSON.stringify(body) });
}

function status(text) { $("status").textContent = text; }

function selectLine(line) {
  const area = $("text"), lines = area.value.split("\n");
  if (!line || line > lines.length) return;
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + lines[line - 1].length);
  area.scrollTop = Math.max(0, (line - 5) * 19);
}

async function build() {
  const mine = ++asked, text = $("text").value;
  status("drawing…");
  $("figure").classList.add("stale");
  let answer;
  try {
    const response = await post("/api/build", { file: current, text, width: $("width").value });
    if (!response.ok) throw new Error(await response.text());
    answer = await response.json();
  } catch (error) {
    if (mine === asked) status("no answer: " + error.message);
    return;
  }
  if (mine !== asked || answer.stale) return;  // a newer text is on its way
  $("figure").classList.remove("stale");
  if (answer.error) {
    $("error").hidden = false;
    $("error").textContent = answer.error.message;
    $("error").dataset.line = answer.error.line || "";
    status(answer.error.line ? `error at line ${answer.error.line}` : "error");
    return;  // (the last good figure stays)
  }
  $("error").hidden = true;
  $("figure").src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(answer.svg)));
  shapes = answer.shapes;
  $("totals").textContent = answer.totals;
  $("smallest").textContent = "smallest text: " + answer.smallest;
  $("notes").textContent = answer.notes.join(" · ");
  const body = $("table").querySelector("tbody");
  body.replaceChildren(...answer.rows.map((row) => {
    const tr = document.createElement("tr");
    for (const key of ["line", "name", "kind", "output", "params", "macs"]) {
      const td = document.createElement("td");
      td.textContent = row[key] ?? "";
      tr.appendChild(td);
    }
    tr.addEventListener("click", () => selectLine(row.line));
    return tr;
  }));
  status("drawn");
}

function soon() { clearTimeout(timer); timer = setTimeout(build, 300); }

async function load() {
  files = (await (await fetch("/api/files")).json()).files;
  $("file").replaceChildren(...files.map((f) => new Option(f.name, f.index)));
  show(0);
}

function show(index) {
  current = index;
  $("text").value = files[index].text;
  build();
}

$("figure").addEventListener("click", (event) => {  // a click on a layer selects its line
  const image = event.target, scale = image.naturalWidth / image.clientWidth / (96 / 72);  // (SVG pt to CSS px)
  const x = event.offsetX * scale, y = event.offsetY * scale;
  const hit = shapes.find((s) => s.box[0] <= x && x <= s.box[2] && s.box[1] <= y && y <= s.box[3]);
  if (hit && hit.line) selectLine(hit.line);
});
$("text").addEventListener("input", soon);
$("width").addEventListener("change", build);
$("file").addEventListener("change", (e) => show(Number(e.target.value)));
$("error").addEventListener("click", () => selectLine(Number($("error").dataset.line)));
$("save").addEventListener("click", async () => {
  const response = await post("/api/save", { file: current, text: $("text").value });
  if (!response.ok) { status(await response.text()); return; }
  const answer = await response.json();
  if (answer.saved) { files[current].text = $("text").value; status("saved " + answer.saved); }
  else status(answer.error.message);
});
for (const button of document.querySelectorAll("[data-format]")) {
  button.addEventListener("click", async () => {
    const format = button.dataset.format;
    const response = await post("/api/export", { file: current, text: $("text").value, format });
    if (!response.ok) { status(await response.text()); return; }
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = files[current].name.replace(/\.nn$/, "." + format);
    link.click();
  });
}
load();
