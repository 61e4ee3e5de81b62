// Meeting pages. A change in a control marked data-autosubmit sends its form at once (attendance
// ticks, action status), so the secretary records the meeting as it happens.
//
// Live refresh: when the meeting changes elsewhere (another secretary's tab, the chair approving
// the minutes), the server sends "meeting.changed" to everyone who may see it (hub.js turns the
// Server-Sent Events into "hub:event" on document). The meeting page then fetches itself again and
// swaps the parts marked data-live-part that differ. A part holding a field being typed in (focused,
// or changed and not saved) is not swapped: its sub-parts are, and lists (data-live-list) are merged
// row by row (data-live-key), so other rows still update; whatever is held back is taken at the next
// notice or when the field is left, and a note says so meanwhile. The minutes page only shows a note.

document.addEventListener("change", (event) => {
  const control = event.target;
  if (!(control instanceof Element) || !control.matches("[data-autosubmit]")) return;
  const form = control.closest("form");
  if (form) form.requestSubmit();
});

const SCOPE = "[data-live-part], [data-live-key]";

// The parts directly inside root (not inside another part or keyed row of it).
function parts(root) {
  const top = root.tagName === "BODY";
  return [...root.querySelectorAll("[data-live-part]")].filter((el) => {
    const owner = el.parentElement ? el.parentElement.closest(SCOPE) : null;
    return top ? owner === null : owner === root;
  });
}

function byName(elements) {
  return new Map(elements.map((el) => [el.dataset.livePart, el]));
}

function changedField(field) {
  if (field.type === "hidden" || field.type === "submit" || field.type === "button") return false;
  if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
  if (field.tagName === "SELECT") {
    const options = [...field.options];
    if (field.multiple) return options.some((o) => o.selected !== o.defaultSelected);
    const initial = Math.max(0, options.findIndex((o) => o.defaultSelected));
    return options.length > 0 && field.selectedIndex !== initial;
  }
  return field.value !== field.defaultValue;
}

// Someone is typing here: a field is focused, or holds something not saved yet.
function busy(el) {
  const active = document.activeElement;
  if (active && el.contains(active) && active.matches("input, textarea, select")) return true;
  return [...el.querySelectorAll("input, textarea, select")].some(changedField);
}

function flash(node) {
  node.classList.add("refreshed");
  node.addEventListener("animationend", () => node.classList.remove("refreshed"), { once: true });
}

function swap(current, fresh) {
  const node = document.adoptNode(fresh);
  current.replaceWith(node);
  flash(node);
  return node;
}

// A copy without the refresh highlight (a class of ours, not the server's).
function clean(el) {
  const copy = el.cloneNode(true);
  for (const node of [copy, ...copy.querySelectorAll(".refreshed")]) {
    node.classList.remove("refreshed");
    if (!node.classList.length) node.removeAttribute("class");
  }
  return copy;
}

function same(a, b) {
  return clean(a).isEqualNode(b);
}

// The element without its sub-parts' contents: what a busy part would need swapped outside them.
function shell(el) {
  const copy = clean(el);
  for (const part of parts(copy)) part.replaceChildren();
  return copy;
}

// Bring current up to fresh; false when something had to be held back.
function merge(current, fresh) {
  if (same(current, fresh)) return true;
  if (!busy(current)) { swap(current, fresh); return true; }
  if (current.hasAttribute("data-live-list")) return mergeList(current, fresh);
  const inner = byName(parts(current));
  const subParts = parts(fresh);
  let done = subParts.length > 0 && shell(current).isEqualNode(shell(fresh));
  for (const part of subParts) {
    const mine = inner.get(part.dataset.livePart);
    done = (mine ? merge(mine, part) : false) && done;
  }
  return done;
}

function mergeList(list, fresh) {
  const rows = new Map([...list.children].map((row) => [row.dataset.liveKey, row]));
  const wanted = new Set([...fresh.children].map((row) => row.dataset.liveKey));
  let done = true;
  for (const [key, row] of rows) {
    if (wanted.has(key)) continue;
    if (busy(row)) done = false; else row.remove();
  }
  let anchor = null;
  for (const row of [...fresh.children]) {
    const mine = rows.get(row.dataset.liveKey);
    let node;
    if (mine && busy(mine)) {
      done = merge(mine, row) && done;
      node = mine; // a row being typed in never moves (it would lose the focus)
    } else {
      node = mine && same(mine, row) ? mine : document.adoptNode(row);
      if (node !== mine) flash(node);
      if (mine && node !== mine) mine.remove();
      const next = anchor ? anchor.nextSibling : list.firstChild;
      if (next !== node) list.insertBefore(node, next);
    }
    anchor = node;
  }
  return done;
}

function setupMeeting() {
  const id = document.body.dataset.meetingId;
  const note = document.getElementById("meeting-changed");
  if (!id || !note) return;
  let timer = null;
  let running = false;
  let again = false;
  let pending = false;
  async function refresh() {
    if (running) { again = true; return; }
    running = true;
    try {
      const response = await fetch(location.pathname, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "text/html" },
      });
      if (!response.ok) { // no longer visible: say so, keep the page as it was
        const gone = document.getElementById("meeting-gone");
        (gone || note).hidden = false;
        return;
      }
      const doc = new DOMParser().parseFromString(await response.text(), "text/html");
      const mine = byName(parts(document.body));
      let done = true;
      for (const part of parts(doc.body)) {
        const current = mine.get(part.dataset.livePart);
        done = (current ? merge(current, part) : false) && done;
      }
      pending = !done;
      note.hidden = done;
      document.dispatchEvent(new CustomEvent("meeting:refreshed", { detail: { done } }));
    } catch (error) {
      // The network dropped: the next notice (or a reload) brings the page up to date.
    } finally {
      running = false;
      if (again) { again = false; refresh(); }
    }
  }
  function soon(delay) { clearTimeout(timer); timer = setTimeout(refresh, delay); }
  document.addEventListener("hub:event", (event) => {
    const detail = event.detail || {};
    if (detail.kind !== "meeting.changed" || String((detail.data || {}).meeting_id) !== id) return;
    soon(150); // one notice per topic may arrive for the same change: fetch once
  });
  // What was held back for a field being typed in is taken once the person leaves it.
  document.addEventListener("focusout", () => { if (pending) soon(400); });
}

function setupMinutes() {
  const id = document.body.dataset.minutesOf;
  const note = document.getElementById("minutes-changed");
  if (!id || !note) return;
  document.addEventListener("hub:event", (event) => {
    const detail = event.detail || {};
    const data = detail.data || {};
    if (detail.kind === "meeting.changed" && data.part === "minutes" && String(data.meeting_id) === id) {
      note.hidden = false;
    }
  });
}

setupMeeting();
setupMinutes();
