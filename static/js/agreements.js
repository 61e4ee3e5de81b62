// Agreement builder: add and remove term rows. The form works without this (one spare row is sent
// and empty rows are ignored by the server).

function setup() {
  const form = document.getElementById("agreement-form");
  const rows = document.getElementById("term-rows");
  const template = document.getElementById("term-template");
  if (!form || !rows || !template) return;
  form.addEventListener("click", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (target.matches("[data-add-term]")) {
      const row = template.content.firstElementChild.cloneNode(true);
      rows.append(row);
      const first = row.querySelector("input[name=description]");
      if (first) first.focus();
    } else if (target.matches("[data-remove-term]")) {
      const row = target.closest("tr");
      if (!row) return;
      if (rows.querySelectorAll("tr").length > 1) {
        row.remove();
      } else {
        for (const field of row.querySelectorAll("input, textarea")) field.value = "";
      }
    }
  });
}

setup();
