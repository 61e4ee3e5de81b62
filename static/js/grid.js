// The grid report's "add my location": asks the browser once, only when pressed; a refusal or a
// phone without location leaves the report without one. Nothing else runs on the grid pages.

function setup() {
  const button = document.getElementById("locate");
  const form = document.getElementById("grid-form");
  if (!button || !form || !("geolocation" in navigator)) return;
  const status = document.getElementById("locate-status");
  const field = (name) => form.querySelector(`input[name="${name}"]`);
  button.hidden = false;
  button.addEventListener("click", () => {
    status.textContent = button.dataset.asking;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { latitude, longitude, accuracy } = position.coords;
        field("latitude").value = latitude.toFixed(6);
        field("longitude").value = longitude.toFixed(6);
        field("accuracy").value = String(Math.round(accuracy));
        status.textContent = button.dataset.found.replace("{m}", String(Math.round(accuracy)));
      },
      () => { status.textContent = button.dataset.refused; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
  const submit = form.querySelector('button[type="submit"]');
  form.addEventListener("submit", () => { submit.disabled = true; });
  window.addEventListener("pageshow", () => { submit.disabled = false; });
}

setup();
