"use strict";
// "Show where it looked": after each prediction the page announces (event galton:predicted),
// ask POST explain/?format=png for the same drawing and lay the map over the canvas. One
// request at a time; the map shown is for the newest drawing that has been answered.
(() => {
  const EXPLAIN_URL = "explain/";
  const toggle = document.getElementById("explain-on");
  const select = document.getElementById("explain-method");
  const heat = document.getElementById("heat");
  let blob = null;
  let version = null;
  let busy = false;
  let again = false;
  let shownUrl = null;

  function hide() {
    heat.hidden = true;
    delete heat.dataset.version;
    delete heat.dataset.method;
  }

  async function refresh() {
    if (!toggle.checked || blob === null) { hide(); return; }
    if (busy) { again = true; return; }
    busy = true;
    const asked = version;
    const method = select.value;
    try {
      const form = new FormData();
      form.append("file", blob, "digit.png");
      const response = await fetch(EXPLAIN_URL + "?format=png&method=" +
                                   encodeURIComponent(method), { method: "POST", body: form });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        document.getElementById("error").textContent =
          body.detail || ("The service answered " + response.status);
      } else if (toggle.checked && asked === version && method === select.value) {
        const url = URL.createObjectURL(await response.blob());
        heat.onload = () => {
          heat.dataset.version = String(asked);
          heat.dataset.method = method;
        };
        heat.src = url;
        heat.hidden = false;
        if (shownUrl !== null) URL.revokeObjectURL(shownUrl);
        shownUrl = url;
      }
    } catch (err) {
      document.getElementById("error").textContent = "Cannot reach the service: " + err.message;
    }
    busy = false;
    if (again) { again = false; refresh(); }
  }

  document.addEventListener("galton:predicted", (event) => {
    blob = event.detail.blob;
    version = event.detail.version;
    refresh();
  });
  document.addEventListener("galton:cleared", () => { blob = null; version = null; hide(); });
  toggle.addEventListener("change", refresh);
  select.addEventListener("change", refresh);

  // offer the methods this model has (Grad-CAM needs a convolutional layer)
  fetch(EXPLAIN_URL + "methods")
    .then((response) => response.json())
    .then((info) => {
      const names = { saliency: "saliency", gradcam: "Grad-CAM" };
      select.replaceChildren();
      for (const m of info.methods.filter((m) => m in names)) {
        const option = document.createElement("option");
        option.value = m;
        option.textContent = names[m];
        select.appendChild(option);
      }
    })
    .catch(() => {});
})();
