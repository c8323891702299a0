// The Mnemo management console: polls the silo's overview and renders nodes, Memshacks and cluster
// snapshots; snapshot actions write ClusterSnapshot / ClusterSnapshotRestore resources through the silo.
const api = "/console/api";
const pollMilliseconds = 2000;

const $ = (selector) => document.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("data-")) node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  return node;
}

const units = ["B", "KiB", "MiB", "GiB", "TiB"];
function bytes(n) {
  let value = Number(n), unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function stateBadge(text) {
  const ok = ["Active", "in_sync", "Committed", "Restored"], bad = ["Dead", "unreachable", "Failed", "needs_resync"];
  const kind = ok.includes(text) ? "ok" : bad.includes(text) ? "bad" : "warn";
  return el("span", { class: `state ${kind}` }, text);
}

function row(...cells) {
  return el("tr", {}, ...cells.map((cell) => el("td", {}, cell)));
}

function renderNodes(nodes) {
  $("#nodes tbody").replaceChildren(...nodes.map((node) => {
    const usage = node.usage;
    const used = usage ? el("span", {}, el("span", { class: "bar" }, el("span", { style: `width:${Math.min(100, 100 * usage.usedBytes / Math.max(1, usage.dataCapacityBytes))}%` })),
      `${bytes(usage.usedBytes)} of ${bytes(usage.dataCapacityBytes)}`) : el("span", { class: "muted" }, node.problem ?? "—");
    return el("tr", { "data-node": node.name },
      el("td", {}, node.name), el("td", {}, node.address), el("td", {}, stateBadge(node.status)),
      el("td", {}, usage?.deviceMode ?? ""), el("td", {}, usage ? bytes(usage.capacityBytes) : ""), el("td", {}, used),
      el("td", {}, usage ? String(usage.items) : ""), el("td", {}, usage ? bytes(usage.snapshotRetainedBytes) : ""));
  }));
}

function renderShard(shard) {
  const replicas = shard.replicas.map((replica) => el("li", {}, `${replica.node} `, stateBadge(replica.state),
    replica.pendingHints > 0 ? ` ${replica.pendingHints} hints` : ""));
  return el("div", { class: "shard" }, el("strong", {}, `shard ${shard.shard}`),
    shard.repairedKeys > 0 ? el("span", { class: "muted" }, ` ${shard.repairedKeys} repaired`) : "",
    el("ul", {}, ...replicas));
}

function renderMemshack(memshack) {
  const summary = `${memshack.shards} shards × ${memshack.replicas} replicas, memcached port ${memshack.memcachedPort ?? "—"}`;
  return el("div", { class: "memshack", "data-memshack": memshack.name },
    el("h3", {}, memshack.name, " ", el("span", { class: "muted" }, summary)),
    el("div", { class: "shards" }, ...memshack.shardMap.map(renderShard)));
}

function renderMemshacks(memshacks) {
  $("#memshacks").replaceChildren(...(memshacks.length === 0
    ? [el("p", { class: "muted" }, "This silo serves no Memshack.")]
    : memshacks.map(renderMemshack)));
  const select = $("#snapshot-memshack"), chosen = select.value;
  const names = memshacks.map((memshack) => memshack.name);
  if (names.join() !== [...select.options].map((option) => option.value).join())
    select.replaceChildren(...names.map((name) => el("option", { value: name }, name)));
  if (names.includes(chosen)) select.value = chosen;
}

function renderSnapshots(snapshots, restores) {
  $("#snapshots tbody").replaceChildren(...snapshots.map((snapshot) => {
    const actions = el("td", {},
      el("button", { type: "button", "data-action": "restore", "data-snapshot": snapshot.name, disabled: snapshot.phase !== "Committed" }, "Restore"), " ",
      el("button", { type: "button", "data-action": "delete", "data-snapshot": snapshot.name }, "Delete"));
    const tr = row(snapshot.name, snapshot.memshack, stateBadge(snapshot.phase), `${snapshot.shardsDone}/${snapshot.shardsTotal}`, String(snapshot.items),
      bytes(snapshot.bytes), snapshot.fenceMilliseconds?.toFixed(1) ?? "", snapshot.createdAt ? new Date(snapshot.createdAt).toLocaleString() : "");
    tr.setAttribute("data-snapshot", snapshot.name);
    if (snapshot.message) tr.title = snapshot.message;
    tr.append(actions);
    return tr;
  }));
  $("#restores tbody").replaceChildren(...restores.map((restore) => row(restore.name, restore.snapshot, stateBadge(restore.phase),
    `${restore.shardsDone}/${restore.shardsTotal}`, restore.fenceMilliseconds?.toFixed(1) ?? "", restore.message ?? "")));
}

async function refresh() {
  try {
    const response = await fetch(`${api}/overview`, { cache: "no-store" });
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    const overview = await response.json();
    renderNodes(overview.nodes);
    renderMemshacks(overview.memshacks);
    renderSnapshots(overview.snapshots, overview.restores);
    $("#status").textContent = `served by ${overview.servedBy}, ${new Date(overview.readAt).toLocaleTimeString()}`;
  } catch (error) {
    $("#status").textContent = `not updated: ${error.message}`;
  }
}

async function send(method, path, body) {
  const response = await fetch(`${api}${path}`, {
    method, headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const text = await response.text();
    let message = text;
    try { message = JSON.parse(text).error ?? text; } catch { /* not JSON: the text itself */ }
    throw new Error(message || `${response.status}`);
  }
}

function report(message, failed = false) {
  const output = $("#snapshot-message");
  output.textContent = message;
  output.classList.toggle("error", failed);
}

$("#snapshot-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = $("#snapshot-name").value.trim(), memshack = $("#snapshot-memshack").value;
  try {
    await send("POST", "/snapshots", { name, memshack });
    report(`snapshot ${name} of ${memshack} requested`);
    $("#snapshot-name").value = "";
  } catch (error) {
    report(error.message, true);
  }
  await refresh();
});

$("#snapshots").addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const snapshot = button.getAttribute("data-snapshot"), action = button.getAttribute("data-action");
  if (action === "delete" && !confirm(`Delete cluster snapshot ${snapshot}?`)) return;
  try {
    if (action === "restore") await send("POST", `/snapshots/${encodeURIComponent(snapshot)}/restore`, {});
    else await send("DELETE", `/snapshots/${encodeURIComponent(snapshot)}`);
    report(`${action} of ${snapshot} requested`);
  } catch (error) {
    report(error.message, true);
  }
  await refresh();
});

await refresh();
setInterval(refresh, pollMilliseconds);
