// The guide editor, enhanced: buttons to add, remove and move steps, and a live preview that
// posts the form (debounced) to /workshop/preview and swaps in the server's sanitised rendering:
// the same partial the public guide page uses. Without JavaScript the form's own "Add step" and
// "Preview" buttons do the same by reloading the page.
(() => {
  "use strict";
  const form = document.getElementById("workshop-form");
  const preview = document.getElementById("workshop-preview");
  const list = document.getElementById("step-fields");
  if (!form || !preview || !list) return;
  // After a failed save the summary of problems is read first (it links to each field).
  const errors = document.getElementById("form-errors");
  if (errors) errors.focus();
  const csrf = form.querySelector("input[name=csrf_token]").value;
  const stepLabel = (n) => (list.dataset.label || "%s").replace("%s", String(n));
  const strings = JSON.parse(document.getElementById("workshop-strings").textContent);

  // --- steps --------------------------------------------------------------------------------
  function renumber() {
    const items = Array.from(list.children);
    items.forEach((item, index) => {
      const n = index + 1;
      const label = item.querySelector("label");
      const area = item.querySelector("textarea");
      area.id = "step-" + n;
      label.htmlFor = area.id;
      label.textContent = stepLabel(n);
      const tools = item.querySelector(".step-tools");
      tools.querySelector("[data-step=up]").disabled = index === 0;
      tools.querySelector("[data-step=down]").disabled = index === items.length - 1;
      tools.querySelectorAll("button").forEach((button) => {
        button.querySelector(".visually-hidden").textContent = " " + stepLabel(n);
      });
    });
  }

  function toolButton(kind, text) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-tertiary";
    button.dataset.step = kind;
    button.append(document.createTextNode(text));
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    button.append(hidden);
    return button;
  }

  function addTools(item) {
    const tools = document.createElement("div");
    tools.className = "step-tools";
    tools.append(toolButton("up", strings.move_up), toolButton("down", strings.move_down),
      toolButton("remove", strings.remove));
    item.append(tools);
  }

  const maxSteps = Number(list.dataset.max) || 20;
  function newStep() {
    if (list.children.length >= maxSteps) return;
    const template = list.lastElementChild;
    const item = template.cloneNode(true);
    item.classList.remove("form-error");
    item.querySelectorAll(".form-error-message, .step-tools").forEach((node) => node.remove());
    const area = item.querySelector("textarea");
    area.value = "";
    area.removeAttribute("aria-describedby");
    area.removeAttribute("aria-invalid");
    addTools(item);
    list.append(item);
    renumber();
    area.focus();
  }

  Array.from(list.children).forEach(addTools);
  renumber();
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-step]");
    if (!button) return;
    const item = button.closest("li");
    const area = item.querySelector("textarea");
    if (button.dataset.step === "up" && item.previousElementSibling) {
      list.insertBefore(item, item.previousElementSibling);
    } else if (button.dataset.step === "down" && item.nextElementSibling) {
      list.insertBefore(item.nextElementSibling, item);
    } else if (button.dataset.step === "remove") {
      if (list.children.length > 1) {
        const next = item.nextElementSibling || item.previousElementSibling;
        item.remove();
        renumber();
        next.querySelector("textarea").focus();
        schedule();
        return;
      }
      area.value = "";
    }
    renumber();
    button.focus();
    schedule();
  });
  const add = document.getElementById("add-step");
  if (add) add.addEventListener("click", (event) => { event.preventDefault(); newStep(); });

  // --- live preview -------------------------------------------------------------------------
  let timer = null;
  let controller = null;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  }

  async function refresh() {
    if (controller) controller.abort();
    controller = new AbortController();
    const body = new URLSearchParams(new FormData(form));
    body.delete("action");
    preview.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.dataset.previewUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf },
        signal: controller.signal,
      });
      if (!response.ok) return;
      // The server's sanitised rendering; parsed inertly, then moved in.
      const parsed = new DOMParser().parseFromString(await response.text(), "text/html");
      preview.replaceChildren(...parsed.body.childNodes);
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    } finally {
      preview.setAttribute("aria-busy", "false");
    }
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  const previewButton = document.getElementById("preview-button");
  if (previewButton) {
    previewButton.addEventListener("click", (event) => { event.preventDefault(); refresh(); });
  }
})();
