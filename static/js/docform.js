// The live preview of a document edited as fields (hub/docform.py, templates/docform.html): as
// people type, the form's fields go to its preview address (data-preview; nothing is saved) and
// the frame shows the document as it would print, rendered by the same template as the PDF.
const DELAY_MS = 400; // after the last key: one request per pause, not per key

for (const form of document.querySelectorAll("form[data-preview]")) {
  const frame = document.querySelector("iframe.doc-preview");
  if (frame === null) continue;
  let timer = 0;
  let asked = 0;
  const update = async () => {
    const mine = ++asked;
    const body = new URLSearchParams(new FormData(form));
    try {
      const response = await fetch(form.dataset.preview, { method: "POST", body, credentials: "same-origin" });
      if (!response.ok || mine !== asked) return; // a later request is on its way
      const { html } = await response.json();
      if (mine === asked) frame.srcdoc = html;
    } catch {
      // offline for a moment: the frame keeps the last preview
    }
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, DELAY_MS);
  });
}
