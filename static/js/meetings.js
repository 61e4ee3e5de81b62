// Meeting pages: a change in a control marked data-autosubmit sends its form at once (attendance
// ticks, action status), so the secretary records the meeting as it happens.
for (const control of document.querySelectorAll("[data-autosubmit]")) {
  control.addEventListener("change", () => {
    const form = control.closest("form");
    if (form) form.requestSubmit();
  });
}
