// The tikznn extension: highlighting comes from syntaxes/ (package.json); this starts the language server,
// `tikznn lsp`, for .nn files. Install: `npm install` here, then `code --install-extension` on the packaged folder
// (npx @vscode/vsce package), or open this folder in VS Code and press F5.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("tikznn").get("command") || "tikznn";
  client = new LanguageClient("tikznn", "tikznn",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "tikznn" }] });
  client.start();
  context.subscriptions.push({ dispose: () => client && client.stop() });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
