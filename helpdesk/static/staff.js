// Counter lookup: search as you type, "/" focuses the search, arrows move, Enter opens.
(() => {
  "use strict";
  const input = document.getElementById("lookup-q");
  const list = document.getElementById("lookup-results");
  const status = document.getElementById("lookup-status");
  const citizen = document.getElementById("lookup-citizen");
  const form = document.getElementById("lookup-form");
  if (!input || !list) return;
  let active = -1;
  let controller = null;
  let timer = null;

  const items = () => Array.from(list.querySelectorAll("[role=option]"));

  function select(index) {
    const options = items();
    if (!options.length) { active = -1; input.removeAttribute("aria-activedescendant"); return; }
    active = (index + options.length) % options.length;
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function render(results) {
    list.replaceChildren();
    results.forEach((result, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = "result-" + i;
      li.setAttribute("aria-selected", "false");
      const a = document.createElement("a");
      a.href = "/staff/guides/" + encodeURIComponent(result.slug) + "?citizen=" + citizen.value;
      const title = document.createElement("strong");
      title.textContent = result.title;
      const summary = document.createElement("span");
      summary.textContent = result.summary;
      a.append(title, summary);
      li.append(a);
      list.append(li);
    });
    status.textContent = list.dataset.countTemplate
      ? list.dataset.countTemplate.replace("%s", String(results.length))
      : String(results.length);
    select(results.length ? 0 : -1);
  }

  async function search() {
    const q = input.value.trim();
    if (controller) controller.abort();
    if (!q) { list.replaceChildren(); status.textContent = ""; return; }
    controller = new AbortController();
    try {
      const response = await fetch("/api/v1/search?lang=" + document.documentElement.lang +
        "&q=" + encodeURIComponent(q), { signal: controller.signal, credentials: "same-origin" });
      const body = await response.json();
      if (!response.ok) { status.textContent = body.error ? body.error.message : ""; return; }
      render(body.results);
    } catch (error) {
      if (error.name !== "AbortError") status.textContent = "…";
    }
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 120); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") { event.preventDefault(); select(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); select(active - 1); }
    else if (event.key === "Enter") {
      const option = items()[active];
      if (option) { event.preventDefault(); window.location.href = option.querySelector("a").href; }
    }
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); search(); });
  citizen.addEventListener("change", search);
  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (event.key === "/" && !typing) { event.preventDefault(); input.focus(); input.select(); }
  });
  if (input.value) search();
})();
