// hio demo client app: the JSON document once, then the live stream of server tyme.
"use strict";

const KEPT = 25; // events kept in the log list

function put(id, text, cls) {
  const node = document.getElementById(id);
  node.textContent = text;
  if (cls !== undefined) {
    node.className = cls;
  }
}

async function loadInfo() {
  try {
    const rep = await fetch("/api/info", { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!rep.ok) {
      throw new Error(`${rep.status} ${rep.statusText}`);
    }
    const info = await rep.json();
    put("message", info.message);
    put("version", info.version);
    put("info-tyme", info.tyme.toFixed(3));
    put("info-state", "fetched", "note");
  } catch (err) {
    put("info-state", `fetching /api/info failed: ${err.message}`, "error");
  }
}

function followTyme() {
  const source = new EventSource("/api/events");
  let count = 0;
  source.onopen = () => put("events-state", "streaming", "note");
  source.onmessage = (event) => {
    const data = JSON.parse(event.data);
    count += 1;
    put("tyme", data.tyme.toFixed(3));
    put("count", String(count));
    const log = document.getElementById("log");
    const item = document.createElement("li");
    item.textContent = `event ${event.lastEventId}: tyme ${data.tyme.toFixed(3)}`;
    log.prepend(item);
    while (log.children.length > KEPT) {
      log.lastElementChild.remove();
    }
  };
  // EventSource reconnects by itself, sending Last-Event-ID so ids continue
  source.onerror = () => put("events-state", "stream interrupted, reconnecting", "error");
}

loadInfo();
followTyme();
