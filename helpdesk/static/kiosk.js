// The library kiosk. Everything lives in memory: no cookies, no storage. Every change of page
// replaces the history entry, so "back" cannot bring a previous citizen's answers back.
(() => {
  "use strict";
  const body = document.body;
  const location_ = body.dataset.location || "";
  const startUrl = "/kiosk" + (location_ ? "?location=" + encodeURIComponent(location_) : "");
  // Starting over empties every form first: nothing typed stays for the next person, not even
  // in a page the browser might keep.
  // Once: the idle timer ticks every 250 ms, and a second location.replace() while the first is
  // loading aborts it and starts again (on a slow kiosk, over and over).
  let restarting = false;
  const restart = () => {
    if (restarting) return;
    restarting = true;
    document.querySelectorAll("input:not([type=hidden]), textarea").forEach((field) => {
      if (field.type === "checkbox" || field.type === "radio") field.checked = false;
      else field.value = "";
    });
    window.location.replace(startUrl);
  };

  // Links that change screen replace the current history entry instead of adding one.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-replace]");
    if (link) { event.preventDefault(); window.location.replace(link.href); }
  });
  // A page restored from the back-forward cache could show old answers: start over instead.
  // (It may have been kept mid-restart: start over regardless.)
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) { restarting = false; restart(); }
  });

  const lang = body.dataset.lang;
  if (!lang) return; // the start screen needs nothing more
  // A kiosk page reached with "back" or "forward" could show an earlier citizen's screen.
  const navigation = performance.getEntriesByType("navigation")[0];
  if (navigation && navigation.type === "back_forward") { restart(); return; }

  const strings = JSON.parse(document.getElementById("kiosk-strings").textContent);
  // A list is a message with a number: its text for 0, 1, 2 ... (params.n picks one).
  const pick = (text, n) => (Array.isArray(text) ? text[Math.min(n, text.length - 1)] : text);
  const t = (key, params = {}) =>
    pick(strings[key], params.n ?? 0).replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? ""));
  const ask = document.getElementById("kiosk-ask");
  const answer = document.getElementById("kiosk-answer");
  const form = document.getElementById("kiosk-form");
  const text = document.getElementById("kiosk-text");
  const rtl = (code) => code === "ar" || code === "fa";

  // --- idle reset with a visible countdown -----------------------------------------------
  const idleSeconds = Number(body.dataset.idle) || 90;
  const warningSeconds = Number(body.dataset.warning) || 20;
  const idle = document.getElementById("kiosk-idle");
  let lastActivity = Date.now();
  const touch = () => {
    lastActivity = Date.now();
    if (!idle.hidden) idle.hidden = true;
  };
  ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach((name) =>
    document.addEventListener(name, touch, { passive: true, capture: true }));
  document.getElementById("kiosk-continue").addEventListener("click", touch);
  setInterval(() => {
    const left = idleSeconds - Math.floor((Date.now() - lastActivity) / 1000);
    if (left <= 0) { stopSpeaking(); restart(); return; }
    if (left <= warningSeconds) {
      document.getElementById("kiosk-idle-title").textContent = t("still_there");
      document.getElementById("kiosk-idle-text").textContent = t("resetting", { seconds: left, n: left });
      if (idle.hidden) {
        idle.hidden = false;
        document.getElementById("kiosk-continue").focus();
      }
    }
  }, 250);

  // --- text size --------------------------------------------------------------------------
  // The size travels in the address (textsize=1..3) from the kiosk to its booking pages: the
  // kiosk stores nothing in the browser. Starting over starts at the normal size.
  const sizes = ["kiosk-size-0", "kiosk-size-1", "kiosk-size-2", "kiosk-size-3"];
  let size = 0;
  const setSize = (value) => {
    size = Math.max(0, Math.min(sizes.length - 1, value));
    document.documentElement.classList.remove(...sizes);
    document.documentElement.classList.add(sizes[size]);
  };
  // After a form is sent the address has no size: the page says it (data-text-size).
  setSize(Number(body.dataset.textSize || new URLSearchParams(window.location.search).get("textsize")) || 0);
  document.querySelectorAll("[data-textsize]").forEach((button) =>
    button.addEventListener("click", () => setSize(size + Number(button.dataset.textsize))));

  // Links to the booking pages stay in the kiosk frame: they carry the text size and replace the
  // history entry, like every change of screen on the kiosk.
  const framed = (href) => {
    const url = new URL(href, window.location.href);
    // Every booking page (also "cancel or move") stays in the frame and knows the kiosk's place.
    url.searchParams.set("channel", "kiosk");
    if (location_ && !url.searchParams.has("near")) url.searchParams.set("near", location_);
    if (size) url.searchParams.set("textsize", String(size));
    else url.searchParams.delete("textsize");
    return url.href;
  };
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='/book'], a.kiosk-book");
    if (!link || link.hasAttribute("download")) return;
    event.preventDefault();
    window.location.replace(framed(link.href));
  });

  // --- reading aloud with the browser's speech synthesis, where it has a voice -----------
  const speech = "speechSynthesis" in window ? window.speechSynthesis : null;
  const voiceFor = (code) =>
    speech ? speech.getVoices().find((v) => v.lang.toLowerCase().startsWith(code)) : undefined;
  function stopSpeaking() { if (speech) speech.cancel(); }

  if (!form) { bookingFrame(); return; }

  // --- a booking page in the kiosk frame (/book...?channel=kiosk) -------------------------
  function bookingFrame() {
    document.querySelectorAll("form").forEach((pageForm) => {
      // The browser must not offer one citizen's name or phone number to the next.
      pageForm.setAttribute("autocomplete", "off");
      pageForm.querySelectorAll("input, textarea").forEach((field) => field.setAttribute("autocomplete", "off"));
      pageForm.addEventListener("submit", () => {
        let field = pageForm.querySelector("input[name=textsize]");
        if (!size) { if (field) field.remove(); return; }
        if (!field) {
          field = Object.assign(document.createElement("input"), { type: "hidden", name: "textsize" });
          pageForm.append(field);
        }
        field.value = String(size);
      });
    });
    // A failed form: focus goes to the list of what to correct.
    const errors = document.getElementById("form-errors");
    if (errors) errors.focus();
    // The receipt: print the slip; hear the reference, once at once and again on request.
    const print = document.querySelector(".kiosk-print");
    if (print) print.addEventListener("click", () => window.print());
    const read = document.querySelector(".kiosk-read-reference");
    if (!read || !speech) return;
    const say = () => {
      const voice = voiceFor(lang);
      if (!voice) return;
      stopSpeaking();
      const utterance = new SpeechSynthesisUtterance(read.dataset.speak);
      utterance.lang = lang;
      utterance.voice = voice;
      speech.speak(utterance);
    };
    read.addEventListener("click", say);
    let offered = false;
    const offer = () => {
      // The voices may arrive after the page: offer the button once there is one for the language.
      if (offered || !voiceFor(lang)) return;
      offered = true;
      read.hidden = false;
      say();
    };
    offer();
    speech.addEventListener("voiceschanged", offer);
  }

  // --- talking to the API ------------------------------------------------------------------
  async function api(path, options = {}) {
    const response = await fetch(path, {
      ...options,
      credentials: "omit",
      cache: "no-store",
      headers: { "Content-Type": "application/json", "Accept-Language": lang },
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error ? data.error.message : t("error"));
    return data;
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    node.append(...children);
    return node;
  }

  // Guide text arrives from the API already sanitised (steps_html, bring_html,
  // help_in_person_html: only p, strong, em, a, lists, br); it is parsed inertly and moved in.
  function fromHtml(tag, attrs, html) {
    const node = el(tag, attrs);
    const parsed = new DOMParser().parseFromString(html, "text/html");
    node.append(...parsed.body.childNodes);
    return node;
  }
  const plain = (html) => new DOMParser().parseFromString(html, "text/html").body.textContent;

  function show(...nodes) {
    stopSpeaking();
    ask.hidden = true;
    answer.hidden = false;
    answer.replaceChildren(...nodes);
    answer.focus();
    window.scrollTo(0, 0);
  }

  function showError(message) {
    show(el("div", { class: "alert alert-error", role: "alert" },
      el("p", { class: "alert-text", text: message })), backButton());
  }

  function backButton() {
    return el("p", {}, Object.assign(
      el("button", { type: "button", class: "button button-secondary kiosk-again" }),
      { textContent: document.getElementById("kiosk-question").textContent,
        onclick: () => { stopSpeaking(); answer.hidden = true; ask.hidden = false; text.focus(); } }));
  }

  function humanView(message, topic) {
    const fragment = document.getElementById("kiosk-human").content.cloneNode(true);
    fragment.querySelector(".kiosk-message").textContent = message || t("sorry");
    // The booking pages stay in the kiosk frame (channel=kiosk) and list the kiosk's own place
    // first (near); the topic travels on, so the receipt can say what to bring.
    const params = new URLSearchParams({ lang, channel: "kiosk" });
    if (topic) params.set("topic", topic);
    if (location_) params.set("near", location_);
    fragment.querySelector(".kiosk-book").href = "/book?" + params.toString();
    return el("div", { class: "kiosk-human" }, fragment);
  }

  function feedbackView(token, topic) {
    const box = el("div", { class: "kiosk-feedback", role: "group", "aria-labelledby": "kiosk-feedback-q" });
    const question = el("h2", { id: "kiosk-feedback-q", text: t("helped") });
    const send = async (helpful) => {
      box.replaceChildren(el("p", { role: "status", text: helpful ? t("thanks") : t("sorry") }));
      try { await api("/api/v1/feedback", { method: "POST", body: JSON.stringify({ token, helpful }) }); }
      catch (error) { box.append(el("p", { text: error.message })); }
      if (!helpful) box.append(humanView("", topic));
    };
    const yes = el("button", { type: "button", class: "button button-primary", "data-helpful": "yes", text: t("yes") });
    const no = el("button", { type: "button", class: "button button-secondary", "data-helpful": "no", text: t("no") });
    yes.addEventListener("click", () => send(true));
    no.addEventListener("click", () => send(false));
    box.append(question, el("div", { class: "button-row" }, yes, no));
    return box;
  }

  async function showGuide(slug, token, offerPerson, message) {
    let guide;
    try { guide = await api("/api/v1/guides/" + encodeURIComponent(slug) + "?lang=" + lang); }
    catch (error) { showError(error.message); return; }
    const article = el("article", { class: "kiosk-guide", lang: guide.language, dir: rtl(guide.language) ? "rtl" : "ltr" });
    article.append(el("h1", { text: guide.title }), el("p", { class: "font-lead", text: guide.summary_display }));
    if (guide.draft_notice) {
      article.append(el("div", { class: "alert alert-warning", role: "note" }, el("p", { class: "alert-text", text: guide.draft_notice })));
    }
    // Steps: one at a time (the default) or the whole list. Each item carries its own number:
    // hidden items do not count, so without it every step shown alone would be "1.".
    const list = el("ol", { class: "kiosk-steps" });
    guide.steps_html.forEach((step, i) => list.append(fromHtml("li", { value: String(i + 1) }, step)));
    const counter = el("p", { class: "kiosk-step-counter" });
    // The counter and the step shown are one live region: "Next step" announces the step itself,
    // not only "Step 2 of 7".
    const stepView = el("div", { class: "kiosk-step-view", "aria-live": "polite", "aria-atomic": "true" }, counter, list);
    const prev = el("button", { type: "button", class: "button button-secondary", text: t("previous") });
    const next = el("button", { type: "button", class: "button button-primary", text: t("next") });
    const toggle = el("button", { type: "button", class: "button button-tertiary kiosk-toggle-steps", text: t("all_steps") });
    // "Did this help?" is asked once the citizen has reached the last step (or shown them all),
    // not under step 1; once asked it stays.
    const feedback = token ? feedbackView(token, slug) : null;
    if (feedback) feedback.hidden = true;
    let current = 0;
    let all = false;
    const update = () => {
      if (feedback && (all || current === guide.steps.length - 1)) feedback.hidden = false;
      [...list.children].forEach((li, i) => { li.hidden = !all && i !== current; });
      counter.textContent = all ? "" : t("step_of", { number: current + 1, total: guide.steps.length });
      prev.hidden = all; next.hidden = all;
      prev.disabled = current === 0; next.disabled = current === guide.steps.length - 1;
      toggle.textContent = all ? t("one_step") : t("all_steps");
    };
    prev.addEventListener("click", () => { current = Math.max(0, current - 1); update(); });
    next.addEventListener("click", () => { current = Math.min(guide.steps.length - 1, current + 1); update(); });
    toggle.addEventListener("click", () => { all = !all; update(); });
    update();
    article.append(stepView, el("div", { class: "button-row kiosk-step-buttons" }, prev, next, toggle));
    if (guide.bring.length) {
      const bring = el("ul");
      guide.bring_html.forEach((item) => bring.append(fromHtml("li", {}, item)));
      article.append(el("h2", { text: t("what_you_need") }), bring);
    }
    article.append(el("h2", { text: t("help_in_person") }),
      fromHtml("div", { class: "kiosk-help" }, guide.help_in_person_html));

    const voice = voiceFor(guide.language);
    if (voice) {
      const read = el("button", { type: "button", class: "button button-secondary kiosk-read", text: t("read_aloud") });
      read.addEventListener("click", () => {
        if (speech.speaking) { stopSpeaking(); read.textContent = t("read_aloud"); return; }
        const utterance = new SpeechSynthesisUtterance(
          [guide.title, guide.summary, ...guide.steps_html.map(plain)].join(". "));
        utterance.lang = guide.language;
        utterance.voice = voice;
        utterance.onend = () => { read.textContent = t("read_aloud"); };
        speech.speak(utterance);
        read.textContent = t("stop_reading");
      });
      article.prepend(read);
    }
    const parts = [el("p", { class: "kiosk-message", text: message }), article];
    if (feedback) parts.push(feedback);
    if (offerPerson) parts.push(humanView("", slug));
    parts.push(backButton());
    show(...parts);
  }

  async function triage(question) {
    show(el("p", { class: "kiosk-thinking", role: "status", text: t("thinking") }));
    let result;
    try {
      // The kiosk's place goes with the question: self-service figures per place.
      const asked = { text: question, lang, channel: "kiosk" };
      if (location_) asked.location = location_;
      result = await api("/api/v1/triage", { method: "POST", body: JSON.stringify(asked) });
    } catch (error) { showError(error.message); return; }
    if (result.outcome === "guide") {
      await showGuide(result.matches[0].slug, result.feedback_token, result.offer_person, result.message);
    } else if (result.outcome === "clarify") {
      const choices = el("ul", { class: "kiosk-choices unstyled-list", role: "list" });
      result.matches.forEach((match) => {
        const button = el("button", { type: "button", class: "button button-primary kiosk-choice", text: match.title });
        button.addEventListener("click", () => showGuide(match.slug, result.feedback_token, result.offer_person, ""));
        choices.append(el("li", {}, button));
      });
      const none = el("button", { type: "button", class: "button button-secondary kiosk-choice kiosk-none", text: t("none_of_these") });
      none.addEventListener("click", () => {
        // "None of these" is an answer to "did this help?": it counts as unmet demand.
        api("/api/v1/feedback", { method: "POST", body: JSON.stringify({ token: result.feedback_token, helpful: false }) })
          .catch(() => {});
        show(humanView(t("none_person"), ""), backButton());
      });
      choices.append(el("li", {}, none));
      show(el("h1", { text: result.message || t("which_one") }), choices, backButton());
    } else if (result.answer) {
      show(...answerView(result), backButton());
    } else {
      const topic = result.matches.length ? result.matches[0].slug : "";
      show(humanView(result.message, topic), backButton());
    }
  }

  // A crisis answer (the safety net) or a referral ("this is where to ask"): knowledge-base
  // content, shown first and large, with the numbers to tap and the offer of a person.
  function answerView(result) {
    const entry = result.answer;
    const crisis = entry.category === "crisis";
    const headingId = "kiosk-answer-title";
    const box = el("article", {
      class: crisis ? "kiosk-entry kiosk-crisis" : "kiosk-entry kiosk-referral",
      "aria-labelledby": headingId, lang: entry.language, dir: rtl(entry.language) ? "rtl" : "ltr" });
    // The answer screen's main heading: the question's h1 is hidden with the question.
    box.append(el("h1", { id: headingId, text: entry.title }), el("p", { class: "font-lead", text: entry.summary_display }));
    const list = el("ul", { class: "kiosk-entry-steps unstyled-list", role: "list" });
    entry.steps_html.forEach((step) => list.append(fromHtml("li", {}, step)));
    box.append(list, fromHtml("div", { class: "kiosk-help" }, entry.help_in_person_html));
    if (crisis) return [box, humanView(t("crisis_person"), "")];
    // A referral: first the plain word that this is asked elsewhere, then where.
    return [el("p", { class: "kiosk-message font-lead", text: result.message }), box, humanView(t("none_person"), "")];
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = text.value.trim();
    if (question) triage(question);
  });
  // Enter asks, as in a search box; Shift+Enter adds a new line. An input method that is still
  // composing a word (Enter picks the word) is left alone.
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  document.querySelectorAll(".kiosk-example").forEach((button) =>
    button.addEventListener("click", () => { text.value = button.textContent; triage(button.textContent); }));
  // Browse by topic, for people who cannot type: a tile lists its guides as big buttons.
  const topics = JSON.parse(document.getElementById("kiosk-topics").textContent);
  document.querySelectorAll(".kiosk-topic").forEach((tile) =>
    tile.addEventListener("click", () => {
      const topic = topics.find((candidate) => candidate.key === tile.dataset.topic);
      const choices = el("ul", { class: "kiosk-choices kiosk-topic-guides unstyled-list", role: "list" });
      topic.guides.forEach((guide) => {
        const button = el("button", { type: "button", class: "button button-primary kiosk-choice", text: guide.title });
        // No triage happened, so there is no "did this help?" to record; a person is offered.
        button.addEventListener("click", () => showGuide(guide.slug, null, true, ""));
        choices.append(el("li", {}, button));
      });
      show(el("h1", { text: topic.label }), el("p", { class: "font-lead", text: t("browse_intro") }),
        choices, backButton());
    }));
  document.getElementById("kiosk-person").addEventListener("click", () => show(humanView("", ""), backButton()));
  text.focus();
})();
