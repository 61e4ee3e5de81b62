// Page helpers shared by every page: the phone menu and live updates (Server-Sent Events).
// Loaded as a module from /static (no inline script: the CSP forbids it).

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function setupMenu() {
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("mainnav");
  if (!toggle || !nav) return;
  toggle.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
}

// Pages listen for "hub:event" on document to refresh what they show.
function setupLive() {
  const url = document.body.dataset.live;
  if (!url || !window.EventSource) return;
  const status = document.getElementById("live-status");
  const source = new EventSource(url);
  source.onopen = () => { if (status) status.hidden = true; };
  source.onerror = () => {
    if (status) { status.textContent = document.documentElement.lang === "en" ? "Reconnecting…" : "正在重新连接…"; status.hidden = false; }
  };
  source.onmessage = (message) => dispatch(message);
  const known = (document.body.dataset.liveKinds || "").split(" ").filter(Boolean);
  for (const kind of ["agency.created", ...known]) source.addEventListener(kind, dispatch);
  window.addEventListener("pagehide", () => source.close());
}

function dispatch(message) {
  let detail;
  try { detail = JSON.parse(message.data); } catch { return; }
  document.dispatchEvent(new CustomEvent("hub:event", { detail }));
  const feed = document.querySelector("#live-feed .feed");
  if (feed) {
    const empty = feed.querySelector(".muted");
    if (empty) empty.remove();
    const item = document.createElement("li");
    const when = new Date(detail.created).toLocaleTimeString();
    // Officials read names, never event codes: the page hands the names of the kinds it shows.
    let names = {};
    try { names = JSON.parse(feed.dataset.kindNames || "{}"); } catch { names = {}; }
    const kind = names[detail.kind] || (document.documentElement.lang === "en" ? "Update" : "更新");
    item.textContent = `${when} · ${kind}${detail.data && detail.data.name ? " · " + detail.data.name : ""}`;
    feed.prepend(item);
  }
}

// A table wider than the screen scrolls in its frame: the frame takes the keyboard focus then, so
// that the arrow keys scroll it (WCAG 2.1.1; axe's scrollable-region-focusable).
function setupScrollables() {
  const mark = () => {
    for (const wrap of document.querySelectorAll(".table-wrap")) {
      if (wrap.scrollWidth > wrap.clientWidth) wrap.tabIndex = 0;
      else if (wrap.tabIndex === 0 && !wrap.contains(document.activeElement)) wrap.removeAttribute("tabindex");
    }
  };
  mark();
  window.addEventListener("resize", mark);
}

setupMenu();
setupLive();
setupScrollables();
