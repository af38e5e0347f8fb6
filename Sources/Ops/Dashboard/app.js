// Drehscheibe operations dashboard: plain JavaScript, no build step, no dependencies.
// Every value from the server is put into the page with textContent, never as HTML.
"use strict";

const state = { session: null, offset: 0, limit: 25, total: 0, detailID: null, revealed: false };
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    if (state.session) headers["X-CSRF-Token"] = state.session.csrfToken;
  }
  const response = await fetch(path, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401 && path !== "/api/login") showLogin();
    throw new Error((data && data.error && data.error.message) || `HTTP ${response.status}`);
  }
  return data;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    const td = el("td", cell === undefined || cell === null ? "" : cell);
    if (typeof cell === "number") td.className = "num";
    tr.appendChild(td);
  }
  return tr;
}

const time = (iso) => (iso ? new Date(iso).toLocaleString() : "");
const rate = (value) => (value === null || value === undefined ? "–" : value.toFixed(1));
const may = (permission) => !!state.session && state.session.permissions.includes(permission);

// ---- session ----

function showLogin() {
  state.session = null;
  $("nav").hidden = true;
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== "login-view";
}

function applyPermissions() {
  for (const node of document.querySelectorAll("[data-permission]")) node.hidden = !may(node.dataset.permission);
}

function loggedIn(session) {
  state.session = session;
  $("who").textContent = `${session.name} (${session.role})`;
  $("nav").hidden = false;
  applyPermissions();
  show("dead");
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    loggedIn(await api("POST", "/api/login", { name: $("login-name").value, password: $("login-password").value }));
    $("login-password").value = "";
  } catch (error) {
    $("login-error").textContent = error.message;
  }
});

$("logout").addEventListener("click", async () => {
  await api("POST", "/api/logout", {}).catch(() => {});
  showLogin();
});

// ---- navigation ----

function show(view) {
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== `${view}-view`;
  for (const button of document.querySelectorAll("#nav [data-view]")) button.classList.toggle("active", button.dataset.view === view);
  if (view === "queues") loadQueues();
  if (view === "dead") loadDeadLetters();
  if (view === "replays") loadReplays();
  if (view === "deadlines") loadDeadlines();
  if (view === "audit") loadAudit();
}

for (const button of document.querySelectorAll("#nav [data-view]")) {
  button.addEventListener("click", () => show(button.dataset.view));
}

// ---- queues ----

async function loadQueues() {
  const body = $("queues-table").tBodies[0];
  try {
    const overview = await api("GET", "/api/queues");
    $("queues-source").textContent = `Source: ${overview.source}${overview.note ? ` (${overview.note})` : ""}`;
    body.replaceChildren(...overview.queues.map((q) => row([
      q.name, q.type || "", q.ready, q.unacknowledged ?? "–", q.consumers, rate(q.publishRate), rate(q.deliverRate), q.state || "",
    ])));
  } catch (error) {
    $("queues-source").textContent = error.message;
  }
}
$("queues-refresh").addEventListener("click", loadQueues);

// ---- dead letters ----

function filterQuery() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData($("dead-filter"))) {
    if (!value) continue;
    params.set(name, name === "from" || name === "to" ? new Date(value).toISOString() : value);
  }
  params.set("offset", state.offset);
  params.set("limit", state.limit);
  return params.toString();
}

async function loadDeadLetters() {
  const body = $("dead-table").tBodies[0];
  try {
    const page = await api("GET", `/api/dead-letters?${filterQuery()}`);
    state.total = page.total;
    body.replaceChildren(...page.items.map((item) => {
      const tr = row([item.id, time(item.receivedAt), item.errorCode, item.stage, item.eventType, item.sourceAgency, item.caseID, item.state]);
      tr.dataset.id = item.id;
      tr.dataset.messageId = item.messageID || "";
      tr.tabIndex = 0;
      tr.addEventListener("click", () => openDetail(item.id, false));
      return tr;
    }));
    const last = Math.min(state.offset + state.limit, page.total);
    $("dead-page").textContent = page.total ? `${state.offset + 1}–${last} of ${page.total}` : "none";
    $("dead-prev").disabled = state.offset === 0;
    $("dead-next").disabled = last >= page.total;
  } catch (error) {
    $("dead-page").textContent = error.message;
  }
}

$("dead-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  state.offset = 0;
  loadDeadLetters();
});
$("dead-prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - state.limit); loadDeadLetters(); });
$("dead-next").addEventListener("click", () => { state.offset += state.limit; loadDeadLetters(); });

function fact(list, name, value) {
  if (value === undefined || value === null || value === "") return;
  list.appendChild(el("dt", name));
  list.appendChild(el("dd", value));
}

async function openDetail(id, reveal) {
  const letter = await api("GET", `/api/dead-letters/${id}${reveal ? "?reveal=true" : ""}`);
  state.detailID = id;
  state.revealed = reveal;
  $("dead-detail").hidden = false;
  $("detail-title").textContent = `Dead letter ${letter.id} · ${letter.state}`;
  $("detail-title").dataset.state = letter.state;
  const facts = $("detail-failure");
  facts.replaceChildren();
  const f = letter.failure;
  fact(facts, "Error", `${f.errorCode}${f.errorDetail ? ` (${f.errorDetail})` : ""}`);
  fact(facts, "Stage", f.stage);
  fact(facts, "Pointer", f.pointer);
  fact(facts, "Reason", f.reason);
  fact(facts, "Attempts", f.attempts);
  fact(facts, "First failure", time(f.firstFailure));
  fact(facts, "Last failure", time(f.lastFailure));
  fact(facts, "Originally to", f.originalExchange ? `${f.originalExchange} → ${f.originalRoutingKey || ""}` : "");
  fact(facts, "Router version", f.routerVersion);
  fact(facts, "Written by", letter.origin === "unknown" ? "not the hub: not believed, cannot be replayed" : letter.origin);
  fact(facts, "Sender (vouched)", letter.sender);
  fact(facts, "Message id", letter.messageID);
  fact(facts, "Event type", letter.eventType);
  fact(facts, "Source agency", letter.sourceAgency);
  fact(facts, "Case", letter.caseID);
  fact(facts, "Received", time(letter.receivedAt));
  fact(facts, "Revalidation", letter.revalidation ? `${letter.revalidation.status} (${letter.revalidation.problems.join("; ")})` : "");
  fact(facts, "Discarded because", letter.discardReason);

  const p = letter.properties;
  const headerRows = [
    ["content_type", p.contentType], ["message_id", p.messageID], ["type", p.type], ["user_id", p.userID], ["app_id", p.appID],
    ["correlation_id", p.correlationID], ["timestamp", time(p.timestamp)], ["delivery_mode", p.deliveryMode],
  ].filter(([, value]) => value !== undefined && value !== null && value !== "");
  $("detail-headers").tBodies[0].replaceChildren(
    ...headerRows.map(([name, value]) => row([name, "property", value])),
    ...p.headers.map((h) => row([h.name, h.type, h.value])),
  );
  $("detail-masked").textContent = letter.personalDataMasked ? "Personal data is masked (•••)." : "Personal data shown; this view was recorded in the audit log.";
  $("detail-body").textContent = letter.body;
  $("detail-reveal").hidden = !may("view-personal-data") || !letter.personalDataMasked;

  const history = $("detail-history");
  history.replaceChildren(
    ...letter.edits.map((e) => el("li", `${time(e.editedAt)} edit ${e.revision} by ${e.actor}: ${e.changes.map((c) => `${c.kind} ${c.path}`).join(", ")} → ${e.revalidation.status}`)),
    ...letter.replays.map((r) => el("li", `${time(r.updatedAt)} replay ${r.replayID} to ${r.exchange} → ${r.routingKey}: ${r.state}${r.outcome ? ` (${r.outcome})` : ""}`)),
  );
  const open = letter.state === "new" || letter.state === "edited";
  $("replay-button").disabled = !letter.replayable;
  $("edit-button").disabled = !open;
  $("discard-button").disabled = !open;
  $("detail-message").textContent = "";
}

$("detail-reveal").addEventListener("click", () => openDetail(state.detailID, true));

async function act(action) {
  $("detail-message").textContent = "";
  try {
    const message = await action();
    $("detail-message").textContent = message;
    await openDetail(state.detailID, state.revealed);
    await loadDeadLetters();
  } catch (error) {
    $("detail-message").textContent = `Refused: ${error.message}`;
  }
}

$("replay-button").addEventListener("click", () => act(async () => {
  const choice = $("replay-target").value;
  const target = choice === "inbox" ? `inbox:${$("replay-agency").value.trim()}` : choice;
  const job = await api("POST", "/api/replays", { ids: [state.detailID], target, reason: $("replay-reason").value || undefined });
  return `Replay ${job.id} started (${job.total} message).`;
}));

$("edit-button").addEventListener("click", () => act(async () => {
  let patch;
  try { patch = JSON.parse($("edit-patch").value); } catch { throw new Error("the patch is not JSON"); }
  const letter = await api("POST", `/api/dead-letters/${state.detailID}/edit`, { patch, reason: $("edit-reason").value || undefined });
  return `Edited (revision ${letter.revision}); revalidation: ${letter.revalidation.status}.`;
}));

$("discard-button").addEventListener("click", () => act(async () => {
  const reason = $("discard-reason").value.trim();
  if (!reason) throw new Error("a reason is required");
  await api("POST", `/api/dead-letters/${state.detailID}/discard`, { reason });
  return "Discarded.";
}));

// ---- replays ----

async function loadReplays() {
  const body = $("replays-table").tBodies[0];
  try {
    const jobs = await api("GET", "/api/replays");
    body.replaceChildren(...jobs.map((job) => {
      const tr = row([job.id.slice(0, 8), time(job.createdAt), job.actor, job.target, job.state,
        job.counts.published || 0, job.counts.failed || 0, job.remaining]);
      const cell = document.createElement("td");
      if (may("replay") && job.state === "running") cell.appendChild(jobButton("Cancel", job.id, "cancel"));
      if (may("replay") && (job.state === "paused" || job.state === "running")) cell.appendChild(jobButton("Resume", job.id, "resume"));
      tr.appendChild(cell);
      return tr;
    }));
  } catch (error) {
    $("replays-message").textContent = error.message;
  }
}

function jobButton(label, id, action) {
  const button = el("button", label);
  button.type = "button";
  button.addEventListener("click", async () => {
    try {
      await api("POST", `/api/replays/${id}/${action}`, {});
      $("replays-message").textContent = `${label}: done.`;
    } catch (error) {
      $("replays-message").textContent = `${label} refused: ${error.message}`;
    }
    loadReplays();
  });
  return button;
}
$("replays-refresh").addEventListener("click", loadReplays);

// ---- deadlines ----

/// "today", "tomorrow", "in N days" or "N days ago" for a last day (YYYY-MM-DD), by the browser's date.
function dueIn(day) {
  const today = new Date();
  const start = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  const [y, m, d] = day.split("-").map(Number);
  const days = Math.round((Date.UTC(y, m - 1, d) - start) / 86400000);
  if (days === 0) return "today";
  if (days === 1) return "tomorrow";
  return days > 0 ? `in ${days} days` : `${-days} days ago`;
}

async function loadDeadlines() {
  const body = $("deadlines-table").tBodies[0];
  const query = new URLSearchParams();
  if ($("deadlines-state").value) query.set("state", $("deadlines-state").value);
  if ($("deadlines-actor").value.trim()) query.set("actor", $("deadlines-actor").value.trim());
  try {
    const deadlines = await api("GET", `/api/deadlines?${query}`);
    body.replaceChildren(...deadlines.map((d) => {
      const notes = [];
      if (d.claimedDue) notes.push(`sender's dueat ${d.claimedDue} disagrees`);
      if (d.lateAnswerMessageID) notes.push("answered late");
      const tr = row([d.dueDate, d.state === "open" ? dueIn(d.dueDate) : time(d.due), d.state, d.rule, d.actor, d.requester, d.caseID, notes.join("; ")]);
      if (d.state === "open" && ["today", "tomorrow"].includes(dueIn(d.dueDate))) tr.classList.add("due-soon");
      return tr;
    }));
    $("deadlines-message").textContent = deadlines.length ? "" : "No deadlines in this state.";
  } catch (error) {
    $("deadlines-message").textContent = error.message;
  }
}
$("deadlines-refresh").addEventListener("click", loadDeadlines);
$("deadlines-filter").addEventListener("submit", (event) => { event.preventDefault(); loadDeadlines(); });

// ---- trace ----

$("trace-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const list = $("trace-list");
  try {
    const trace = await api("GET", `/api/trace?case=${encodeURIComponent($("trace-case").value.trim())}`);
    list.replaceChildren(...trace.events.map((e) => {
      const item = el("li", null, `event ${e.kind}`);
      item.appendChild(el("time", time(e.at)));
      item.appendChild(el("span", e.kind, "kind"));
      item.appendChild(el("span", e.summary));
      return item;
    }));
    if (!trace.events.length) list.replaceChildren(el("li", "Nothing recorded for this case."));
  } catch (error) {
    list.replaceChildren(el("li", error.message, "error"));
  }
});

// ---- audit ----

async function loadAudit() {
  try {
    const records = await api("GET", "/api/audit?limit=200");
    $("audit-table").tBodies[0].replaceChildren(...records.reverse().map((r) => row([
      r.sequence, time(r.recordedAt), `${r.actor} (${r.role})`, r.action, r.subject, r.reason,
    ])));
  } catch (error) {
    $("audit-result").textContent = error.message;
  }
}

$("audit-verify").addEventListener("click", async () => {
  try {
    const v = await api("GET", "/api/audit/verify");
    $("audit-result").textContent = v.intact
      ? `Intact: ${v.records} records, last #${v.lastSequence} ${v.lastHash}; ${v.deadLetters} dead letters checked; ` +
        (v.checkpoint ? `signed checkpoint #${v.checkpoint.sequence} (${v.checkpoint.time}) reached` : "no signed checkpoint checked")
      : `BROKEN: ${v.problems.map((p) => p.message).join("; ")}`;
    $("audit-result").className = v.intact ? "ok" : "error";
  } catch (error) {
    $("audit-result").textContent = error.message;
  }
});

// ---- start ----

api("GET", "/api/session").then(loggedIn).catch(showLogin);
