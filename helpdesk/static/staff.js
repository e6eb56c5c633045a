// Counter lookup: search as you type; "/" focuses the search, the arrow keys move between the
// results (real focus on real links, so Enter simply opens one), Escape goes back to the search.
(() => {
  "use strict";
  const input = document.getElementById("lookup-q");
  const list = document.getElementById("lookup-results");
  const status = document.getElementById("lookup-status");
  const citizen = document.getElementById("lookup-citizen");
  const form = document.getElementById("lookup-form");
  if (!input || !list) return;
  let controller = null;
  let timer = null;

  const links = () => Array.from(list.querySelectorAll("a"));

  function move(from, step) {
    const all = links();
    if (!all.length) return;
    const index = all.indexOf(from);
    const next = index + step;
    if (next < 0) { input.focus(); return; }
    all[Math.min(next, all.length - 1)].focus();
  }

  function render(results) {
    list.replaceChildren();
    for (const result of results) {
      const a = document.createElement("a");
      a.href = "/staff/guides/" + encodeURIComponent(result.slug) + "?citizen=" + citizen.value;
      const title = document.createElement("strong");
      title.textContent = result.title;
      const summary = document.createElement("span");
      summary.textContent = result.summary;
      a.append(title, summary);
      const li = document.createElement("li");
      li.append(a);
      list.append(li);
    }
    // The server's text for each count (0, 1, 2 ...): the plural rule is the catalog's.
    const texts = JSON.parse(list.dataset.countTemplates || "[]");
    const text = texts[Math.min(results.length, texts.length - 1)] || "%(num)s";
    status.textContent = text.replace("%(num)s", String(results.length));
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
      if (q !== input.value.trim()) return; // a newer search is on its way
      if (!response.ok) { status.textContent = body.error ? body.error.message : ""; return; }
      render(body.results);
    } catch (error) {
      if (error.name !== "AbortError") status.textContent = "…";
    }
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 120); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") { event.preventDefault(); move(null, 1); }
    else if (event.key === "Enter" && links().length) {
      event.preventDefault();
      window.location.href = links()[0].href;
    }
  });
  list.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") { event.preventDefault(); move(event.target, 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(event.target, -1); }
    else if (event.key === "Escape") { input.focus(); }
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); search(); });
  citizen.addEventListener("change", search);
  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (event.key === "/" && !typing) { event.preventDefault(); input.focus(); input.select(); }
  });
  if (input.value) search();
})();
