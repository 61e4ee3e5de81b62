// Evidence upload form: refuse a file over the limit before sending it (the server checks again).

function setup() {
  const form = document.getElementById("evidence-form");
  if (!form) return;
  const input = form.querySelector('input[type="file"]');
  const message = document.getElementById("evidence-size-error");
  const submit = form.querySelector('button[type="submit"]');
  const limit = Number(form.dataset.maxBytes || 0);
  const check = () => {
    const file = input.files && input.files[0];
    const tooLarge = Boolean(file && limit && file.size > limit);
    message.textContent = tooLarge ? form.dataset.tooLarge : "";
    message.hidden = !tooLarge;
    submit.disabled = tooLarge;
  };
  input.addEventListener("change", check);
  // One upload at a time; a page restored from the back/forward cache is usable again.
  form.addEventListener("submit", () => { submit.disabled = true; });
  window.addEventListener("pageshow", check);
}

setup();
