/*
 * helpdesk chat widget. Add to any page:
 *   <script src="https://HOST/widget.js" data-lang="da" defer></script>
 *
 * Everything lives in a shadow root (the host page's CSS does not reach in), talks only to HOST,
 * sets no cookies and stores nothing in the browser. Works under a strict Content-Security-Policy
 * that allows HOST for script-src, style-src and connect-src: no inline styles, no eval, no
 * markup parsed from strings (the DOM is built node by node, text as text); styles come from
 * HOST/static/widget.css and are applied only through classes.
 */
(() => {
  "use strict";

  const STRINGS = {{ strings_json }};
  const NAMES = {{ names_json }};
  const RTL = {{ rtl_json }};
  const CSS_PATH = {{ css_path_json }};
  const MAX_CHARS = {{ max_chars }};
  const LANGS = Object.keys(NAMES);
  const TAG = "helpdesk-widget";

  const script =
    document.currentScript ||
    Array.from(document.querySelectorAll("script[src]")).find((s) =>
      /\/widget\.js(?:[?#]|$)/.test(s.src)
    );
  if (!script || document.querySelector(TAG)) return; // not found, or already on the page
  const HOST = new URL(script.src, document.baseURI).origin;

  const pick = (code) => {
    const base = String(code || "").trim().toLowerCase().split(/[-_]/)[0];
    return LANGS.includes(base) ? base : null;
  };
  let lang = pick(script.getAttribute("data-lang")) || pick(document.documentElement.lang) || "da";
  const t = (key) => STRINGS[lang][key] || STRINGS.en[key] || key;
  const dirOf = (code) => (RTL.includes(code) ? "rtl" : "ltr");

  // --- building DOM node by node --------------------------------------------------------------

  const SVG = "http://www.w3.org/2000/svg";

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      el.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function icon(kind) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "hd-icon");
    const path = document.createElementNS(SVG, "path");
    path.setAttribute(
      "d",
      kind === "close"
        ? "M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z"
        : "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8.4L4 21.5V18a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm0 2v11h2v1.3L7.6 16H20V5z"
    );
    svg.append(path);
    return svg;
  }

  let uid = 0;
  const nextId = (prefix) => `hd-${prefix}-${++uid}`;

  // --- the shell ------------------------------------------------------------------------------

  const hostElement = document.createElement(TAG);
  const shadow = hostElement.attachShadow({ mode: "open" });
  const stylesheet = h("link", { rel: "stylesheet", href: HOST + CSS_PATH });

  const title = h("h2", { class: "hd-title", id: "hd-title" });
  const languageLabel = h("label", { class: "hd-sr", for: "hd-language" });
  const languageSelect = h(
    "select",
    { id: "hd-language", class: "hd-language" },
    LANGS.map((code) => h("option", { value: code, lang: code, dir: dirOf(code) }, NAMES[code]))
  );
  const closeButton = h("button", { type: "button", class: "hd-close" }, icon("close"));
  const log = h("div", {
    class: "hd-log",
    id: "hd-log",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions text",
    tabindex: "0",
  });
  const inputLabel = h("label", { class: "hd-sr", for: "hd-input" });
  const input = h("input", {
    id: "hd-input",
    class: "hd-input",
    type: "text",
    maxlength: MAX_CHARS,
    autocomplete: "off",
    enterkeyhint: "send",
  });
  const sendButton = h("button", { type: "submit", class: "hd-button hd-send" });
  const form = h("form", { class: "hd-form", novalidate: true }, inputLabel, input, sendButton);
  const panel = h(
    "div",
    {
      class: "hd-panel",
      id: "hd-panel",
      role: "dialog",
      "aria-modal": "false",
      "aria-labelledby": "hd-title",
      hidden: true,
    },
    h("div", { class: "hd-header" }, title, languageLabel, languageSelect, closeButton),
    log,
    form
  );
  const launcherText = h("span", { class: "hd-launcher-text" });
  const launcher = h(
    "button",
    {
      type: "button",
      class: "hd-launcher",
      "aria-expanded": "false",
      "aria-controls": "hd-panel",
    },
    icon("chat"),
    launcherText
  );
  // Hidden until the stylesheet has loaded, so the host page never shows it unstyled.
  const root = h("div", { class: "hd-root", hidden: true }, panel, launcher);

  function applyLanguage() {
    root.setAttribute("lang", lang);
    root.setAttribute("dir", dirOf(lang));
    title.textContent = t("title");
    languageLabel.textContent = t("language");
    languageSelect.value = lang;
    closeButton.setAttribute("aria-label", t("close"));
    log.setAttribute("aria-label", t("conversation"));
    inputLabel.textContent = t("input_label");
    input.setAttribute("placeholder", t("placeholder"));
    sendButton.textContent = t("send");
    launcherText.textContent = t("launcher");
  }

  // --- the conversation -----------------------------------------------------------------------

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function say(who, content, options) {
    const opts = options || {};
    const bubble = h(
      "div",
      {
        class: `hd-msg hd-msg-${who}${opts.error ? " hd-msg-error" : ""}`,
        lang: opts.lang || null,
        // The citizen may write in any language: let the text pick its own direction.
        dir: opts.lang ? dirOf(opts.lang) : who === "user" ? "auto" : null,
      },
      h("span", { class: "hd-sr", lang, dir: dirOf(lang) }, who === "user" ? t("you") : t("bot"), " "),
      content
    );
    log.append(bubble);
    scrollDown();
    return bubble;
  }

  function newTabHint() {
    return h("span", { class: "hd-sr" }, " ", t("new_tab"));
  }

  async function api(path, body) {
    // Throws TypeError on a network failure; returns {ok, data} otherwise. A `lang` in the query
    // makes the API write its error messages in the widget's language.
    const response = await fetch(HOST + path, {
      method: body ? "POST" : "GET",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      mode: "cors",
      credentials: "omit",
      cache: "no-store",
    });
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    return { ok: response.ok, data };
  }

  function errorMessage(data) {
    return (data && data.error && data.error.message) || t("error");
  }

  function handoff(result, slug) {
    const params = new URLSearchParams();
    if (slug) params.set("topic", slug);
    params.set("lang", result.language || lang);
    return h(
      "div",
      { class: "hd-handoff" },
      h(
        "a",
        {
          class: "hd-button",
          href: `${HOST}/book?${params}`,
          target: "_blank",
          rel: "noopener",
        },
        t("book"),
        newTabHint()
      ),
      h("p", { class: "hd-handoff-title" }, t("in_person")),
      h(
        "ul",
        { class: "hd-places" },
        h("li", {}, t("borgerservice"), ", ", h("span", { lang: "da", dir: "ltr" }, "Hack Kampmanns Plads 2, 8000 Aarhus C")),
        h("li", {}, t("libraries"))
      )
    );
  }

  function feedbackBox(result, slug) {
    const questionId = nextId("q");
    const status = h("p", { class: "hd-feedback-status", hidden: true });
    const box = h(
      "div",
      { class: "hd-feedback", role: "group", "aria-labelledby": questionId },
      h("p", { id: questionId, class: "hd-feedback-question" }, t("did_it_help")),
      h("div", { class: "hd-feedback-buttons" }, answerButton(true), answerButton(false)),
      status
    );

    function answerButton(helpful) {
      const button = h(
        "button",
        { type: "button", class: "hd-button hd-button-secondary" },
        helpful ? t("yes") : t("no")
      );
      button.addEventListener("click", async () => {
        if (box.classList.contains("is-busy")) return;
        box.classList.add("is-busy");
        let reply;
        try {
          reply = await api(`/api/v1/feedback?lang=${lang}`, { token: result.feedback_token, helpful });
        } catch (_) {
          reply = { ok: false, data: { error: { message: t("network_error") } } };
        }
        box.classList.remove("is-busy");
        if (!reply.ok) {
          status.textContent = errorMessage(reply.data);
          status.classList.add("hd-error-text");
          status.hidden = false;
          scrollDown();
          return;
        }
        const thanks = h(
          "p",
          { class: "hd-feedback-thanks", tabindex: "-1" },
          helpful ? t("thanks_yes") : t("thanks_no")
        );
        box.replaceChildren(thanks);
        box.removeAttribute("role");
        box.removeAttribute("aria-labelledby");
        if (!helpful) box.append(handoff(result, slug));
        thanks.focus(); // the buttons are gone: keep keyboard focus where the answer is
        scrollDown();
      });
      return button;
    }

    return box;
  }

  // The guide inside the widget: its summary, then its steps and what to bring, then "did this
  // help?" at the end (with the hand-off on "No"). On a phone a new tab would lose the
  // conversation, so the page is only an extra (to print or share).
  function guideCard(result, match) {
    const content = result.language || lang;
    const headingId = nextId("guide");
    const summary = h("p", { class: "hd-card-summary", lang: content, dir: dirOf(content) });
    const note = h("p", { class: "hd-card-note", hidden: true });
    const body = h("div", { class: "hd-card-body" });
    const link = h(
      "a",
      {
        class: "hd-page-link",
        href: new URL(match.url, HOST).href,
        target: "_blank",
        rel: "noopener",
        "aria-describedby": headingId,
      },
      t("open_guide"),
      newTabHint()
    );
    const card = h(
      "article",
      { class: "hd-card", "aria-labelledby": headingId, "data-slug": match.slug },
      h("h3", { class: "hd-card-title", id: headingId, lang: content, dir: dirOf(content) }, match.title),
      summary,
      note,
      body,
      link
    );
    card.loaded = api(`/api/v1/guides/${encodeURIComponent(match.slug)}?lang=${encodeURIComponent(content)}`)
      .then((reply) => {
        if (!reply.ok || !reply.data) {
          summary.textContent = errorMessage(reply.data);
          summary.classList.add("hd-error-text");
          return false;
        }
        const guide = reply.data;
        summary.textContent = guide.summary_display; // numbers isolated left to right
        summary.setAttribute("lang", guide.language);
        summary.setAttribute("dir", dirOf(guide.language));
        if (guide.draft_notice) {
          note.textContent = guide.draft_notice;
          note.hidden = false;
        }
        const inGuide = { lang: guide.language, dir: dirOf(guide.language) };
        if (guide.steps_html.length) {
          const stepsId = nextId("steps");
          const steps = h("ol", { class: "hd-steps", "aria-labelledby": stepsId, ...inGuide });
          for (const step of guide.steps_html) steps.append(fromHtml("li", {}, step));
          body.append(h("h4", { class: "hd-card-subtitle", id: stepsId }, t("steps")), steps);
        }
        if (guide.bring_html.length) {
          const bringId = nextId("bring");
          const bring = h("ul", { class: "hd-bring", "aria-labelledby": bringId, ...inGuide });
          for (const item of guide.bring_html) bring.append(fromHtml("li", {}, item));
          body.append(h("h4", { class: "hd-card-subtitle", id: bringId }, t("bring")), bring);
        }
        return true;
      })
      .catch(() => {
        summary.textContent = t("network_error");
        summary.classList.add("hd-error-text");
        return false;
      })
      .finally(scrollDown);
    return card;
  }

  function showGuide(result, match) {
    const card = guideCard(result, match);
    const wrapper = h("div", { class: "hd-answer" }, card);
    log.append(wrapper);
    scrollDown();
    // "Did this help?" comes after the steps, not before the guide could be read. When the
    // guide could not be loaded, it comes once the citizen has opened the page instead.
    const askFeedback = () => {
      if (wrapper.querySelector(".hd-feedback")) return;
      wrapper.append(feedbackBox(result, match.slug));
      scrollDown();
    };
    card.loaded.then((shown) => {
      if (shown) askFeedback();
      else card.querySelector("a.hd-page-link").addEventListener("click", askFeedback, { once: true });
    });
  }

  function showChoices(result) {
    const labelId = nextId("choose");
    const content = result.language || lang;
    const buttons = result.matches.map((match) => {
      const button = h(
        "button",
        { type: "button", class: "hd-button hd-button-secondary hd-choice", "aria-pressed": "false", lang: content, dir: dirOf(content) },
        match.title
      );
      button.addEventListener("click", () => {
        for (const other of buttons) other.setAttribute("aria-pressed", String(other === button));
        say("user", match.title, { lang: content });
        showGuide(result, match);
      });
      return button;
    });
    const none = h("button", { type: "button", class: "hd-button hd-button-secondary hd-choice hd-none" }, t("none_of_these"));
    none.addEventListener("click", () => {
      for (const other of buttons) other.setAttribute("aria-pressed", "false");
      say("user", t("none_of_these"), {});
      // "None of these" answers "did this help?": it counts as unmet demand.
      api(`/api/v1/feedback?lang=${lang}`, { token: result.feedback_token, helpful: false }).catch(() => {});
      say("bot", t("thanks_no"), {});
      log.append(h("div", { class: "hd-answer" }, handoff(result, "")));
      scrollDown();
    });
    log.append(
      h(
        "div",
        { class: "hd-choices", role: "group", "aria-labelledby": labelId },
        h("p", { class: "hd-sr", id: labelId }, t("choose")),
        buttons,
        none
      )
    );
    scrollDown();
  }

  // Sanitised HTML from the API (only p, strong, em, a, lists, br), parsed inertly.
  function fromHtml(tag, attrs, html) {
    const node = h(tag, attrs);
    node.append(...new DOMParser().parseFromString(html, "text/html").body.childNodes);
    return node;
  }

  // A crisis answer (the safety net) or a referral: knowledge-base content, shown before the
  // person offer; numbers are tap-to-call links.
  function answerCard(entry) {
    const content = entry.language;
    const headingId = nextId("answer");
    const crisis = entry.category === "crisis";
    const steps = h("ul", { class: "hd-entry-steps" });
    for (const step of entry.steps_html) steps.append(fromHtml("li", {}, step));
    return h(
      "article",
      { class: crisis ? "hd-card hd-entry hd-crisis" : "hd-card hd-entry hd-referral", "aria-labelledby": headingId, lang: content, dir: dirOf(content) },
      h("h3", { class: "hd-card-title", id: headingId }, entry.title),
      h("p", { class: "hd-card-summary" }, entry.summary_display),
      steps
    );
  }

  function showResult(result) {
    say("bot", result.message, { lang: result.language });
    const top = result.matches[0];
    if (result.outcome === "guide" && top) showGuide(result, top);
    if (result.outcome === "clarify") showChoices(result);
    if (result.outcome === "human" && result.answer) {
      log.append(
        h("div", { class: "hd-answer" }, answerCard(result.answer), h("p", {}, t("person_intro")), handoff(result, ""))
      );
    } else if (result.outcome === "human") {
      log.append(h("div", { class: "hd-answer" }, handoff(result, top && top.slug)));
    } else if (result.offer_person) {
      log.append(
        h("div", { class: "hd-answer" }, h("p", {}, t("person_intro")), handoff(result, top && top.slug))
      );
    }
    scrollDown();
  }

  let busy = false;

  async function ask(text) {
    busy = true;
    const thinking = say("bot", t("thinking"), {});
    thinking.classList.add("hd-thinking");
    let reply;
    try {
      reply = await api(`/api/v1/triage?lang=${lang}`, { text, lang, channel: "chat" });
    } catch (_) {
      reply = null;
    }
    thinking.remove();
    busy = false;
    if (reply === null) {
      const retry = h("button", { type: "button", class: "hd-button hd-button-secondary" }, t("retry"));
      const bubble = say("bot", [h("span", {}, t("network_error")), " ", retry], { error: true });
      retry.addEventListener("click", () => {
        if (busy) return;
        bubble.remove();
        input.focus();
        ask(text);
      });
      return;
    }
    if (!reply.ok || !reply.data) {
      say("bot", errorMessage(reply.data), { error: true, lang: reply.data && reply.data.error && reply.data.error.language });
      return;
    }
    showResult(reply.data);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) {
      input.focus();
      return;
    }
    input.value = "";
    say("user", text, {});
    ask(text);
  });


  // --- open and close -------------------------------------------------------------------------

  let greeted = false;

  function open() {
    panel.hidden = false;
    root.classList.add("is-open");
    launcher.setAttribute("aria-expanded", "true");
    if (!greeted) {
      greeted = true;
      say("bot", [h("span", {}, t("intro")), " ", h("span", { class: "hd-privacy" }, t("privacy"))], {});
    }
    input.focus();
  }

  function close() {
    panel.hidden = true;
    root.classList.remove("is-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  closeButton.addEventListener("click", close);
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden && !event.defaultPrevented) {
      event.preventDefault();
      close();
    }
    // Typing in the widget must not trigger the host page's keyboard shortcuts.
    if (event.target === input || event.key === "Escape") event.stopPropagation();
  });
  for (const type of ["keyup", "keypress"]) {
    input.addEventListener(type, (event) => event.stopPropagation());
  }
  languageSelect.addEventListener("change", () => {
    lang = pick(languageSelect.value) || lang;
    applyLanguage();
  });

  // --- mount ----------------------------------------------------------------------------------

  const reveal = () => root.removeAttribute("hidden");
  stylesheet.addEventListener("load", reveal);
  stylesheet.addEventListener("error", reveal); // unstyled but usable beats invisible
  applyLanguage();
  shadow.append(stylesheet, root);

  const mount = () => document.body.append(hostElement);
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
