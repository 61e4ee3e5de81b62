// Referral pages: add party rows on the intake form, refresh the queue when a live event arrives
// (hub.js turns Server-Sent Events into "hub:event" on document), tell a case page it changed.

// A party row shows the fields of its kind only (a person's or an organisation's); without this
// script both groups show, and the server drops the other kind's.
function showKind(row) {
  const kind = row.querySelector("[data-party-kind]");
  if (kind) row.dataset.kind = kind.value;
}

function setupKinds() {
  for (const row of document.querySelectorAll("[data-party]")) showKind(row);
  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-party-kind]")) showKind(event.target.closest("[data-party]"));
  });
}

function setupParties() {
  setupKinds();
  const list = document.querySelector("[data-parties]");
  const button = document.querySelector("[data-add-party]");
  if (!list || !button) return;
  button.addEventListener("click", () => {
    const rows = list.querySelectorAll("[data-party]");
    const copy = rows[rows.length - 1].cloneNode(true);
    for (const input of copy.querySelectorAll("input")) input.value = "";
    for (const select of copy.querySelectorAll("select")) select.selectedIndex = 0;
    for (const details of copy.querySelectorAll("details")) details.open = false;
    for (const field of copy.querySelectorAll(".invalid")) { field.classList.remove("invalid"); field.removeAttribute("aria-invalid"); }
    for (const note of copy.querySelectorAll(".field-error")) note.remove();
    const role = copy.querySelector("select");
    if (role) role.value = "third_party";
    showKind(copy);
    const number = copy.querySelector("[data-party-number]");
    if (number) number.textContent = String(rows.length + 1);
    list.append(copy);
    const name = copy.querySelector('input[name="party_name"]');
    if (name) name.focus();
  });
}

function rowIds(root) {
  return new Set([...root.querySelectorAll("tr[data-referral]")].map((row) => row.dataset.referral));
}

function setupQueue() {
  const box = document.querySelector("[data-queue]");
  if (!box) return;
  let timer = null;
  let busy = false;
  let again = false;
  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const before = rowIds(box);
      const response = await fetch(box.dataset.queue, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.ok) {
        box.innerHTML = await response.text();
        for (const row of box.querySelectorAll("tr[data-referral]")) {
          if (!before.has(row.dataset.referral)) row.classList.add("new");
        }
        box.dispatchEvent(new CustomEvent("queue:updated", { bubbles: true }));
      }
    } catch (error) {
      // The network dropped: the next event (or a reload) brings the queue up to date.
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }
  document.addEventListener("hub:event", (event) => {
    const kind = (event.detail && event.detail.kind) || "";
    if (!kind.startsWith("referral.") && kind !== "case.created" && kind !== "notification") return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  });
}

function setupCase() {
  const id = document.body.dataset.caseId;
  const notice = document.getElementById("case-changed");
  if (!id || !notice) return;
  document.addEventListener("hub:event", (event) => {
    const data = (event.detail && event.detail.data) || {};
    if (String(data.case_id) === id) notice.hidden = false;
  });
}

// The area picker: a search box (shown only with JavaScript; the grouped <select> works without)
// hides the towns, villages and grids whose name does not hold what is typed.
function setupAreaFilter() {
  for (const input of document.querySelectorAll("input[data-filter-for]")) {
    const select = document.getElementById(input.dataset.filterFor);
    if (!select) continue;
    input.hidden = false;
    input.addEventListener("input", () => {
      const wanted = input.value.trim().toLowerCase();
      for (const group of select.querySelectorAll("optgroup")) {
        let any = false;
        for (const option of group.querySelectorAll("option")) {
          const shows = !wanted || option.textContent.toLowerCase().includes(wanted) ||
            group.label.toLowerCase().includes(wanted);
          option.hidden = !shows;
          any = any || shows;
        }
        group.hidden = !any;
      }
      const first = select.querySelector("optgroup:not([hidden]) option:not([hidden])");
      if (wanted && first && (select.selectedOptions[0] || {}).hidden !== false) first.selected = true;
    });
  }
}

setupParties();
setupQueue();
setupCase();
setupAreaFilter();
