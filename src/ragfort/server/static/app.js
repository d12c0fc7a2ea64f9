// The support chat page: asks /v1/ask (streaming), renders cited answers, sends feedback.
// One conversation per tab: the session id goes with every question, the server keeps the
// conversation (redacted) so follow-ups are understood; "New conversation" erases it there too.
// Everything from the server is inserted with textContent, never as HTML.
"use strict";

(function () {
  const KEY_STORE = "ragfort.apiKey";
  const SESSION_STORE = "ragfort.session";
  const $ = (id) => document.getElementById(id);
  const log = $("log");
  const notice = $("notice");
  const askForm = $("ask-form");
  const question = $("question");
  const send = $("send");
  const keyPanel = $("key-panel");
  const keyInput = $("api-key");
  const newConversation = $("new-conversation");
  let answerCount = 0;

  function sessionId() {
    let id = sessionStorage.getItem(SESSION_STORE);
    if (!id) {
      id = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^\w-]/g, "");
      sessionStorage.setItem(SESSION_STORE, id);
    }
    return id;
  }

  function headers(extra) {
    const h = Object.assign({ "Content-Type": "application/json" }, extra || {});
    const key = sessionStorage.getItem(KEY_STORE);
    if (key) h.Authorization = "Bearer " + key;
    return h;
  }

  function say(message) { notice.textContent = message; }

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (body && body.error && body.error.message) return body.error.message;
    } catch (e) { /* not JSON */ }
    return "HTTP " + response.status;
  }

  function needKey(message) {
    keyPanel.open = true;
    say(message);
    keyInput.focus();
  }

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (key) sessionStorage.setItem(KEY_STORE, key); else sessionStorage.removeItem(KEY_STORE);
    keyInput.value = "";
    keyPanel.open = false;
    say(key ? "Key saved for this tab." : "Key removed.");
    question.focus();
    if (key) { loadExamples(); restoreConversation(); }
  });

  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      askForm.requestSubmit();
    }
  });

  function addUserMessage(text) {
    const p = document.createElement("p");
    p.className = "msg user";
    p.textContent = text;
    log.appendChild(p);
    $("intro").hidden = true;
    newConversation.hidden = false;
  }

  // Start over: the server forgets the conversation (and its PII mappings), the page clears it.
  newConversation.addEventListener("click", async () => {
    const id = sessionStorage.getItem(SESSION_STORE);
    sessionStorage.removeItem(SESSION_STORE);
    log.textContent = "";
    $("intro").hidden = false;
    newConversation.hidden = true;
    question.focus();
    if (!id) { say("New conversation."); return; }
    try {
      const response = await fetch("/v1/sessions/" + encodeURIComponent(id), { method: "DELETE", headers: headers() });
      say(response.ok ? "New conversation. The previous one was erased." : "New conversation.");
    } catch (e) {
      say("New conversation.");
    }
  });

  // After a reload, show what the server kept of this tab's conversation (redacted, without citations).
  async function restoreConversation() {
    const id = sessionStorage.getItem(SESSION_STORE);
    if (!id || log.children.length) return;
    let kept;
    try {
      const response = await fetch("/v1/sessions/" + encodeURIComponent(id), { headers: headers() });
      if (!response.ok) return;  // none kept (expired, erased) or no key yet
      kept = await response.json();
    } catch (e) {
      return;
    }
    for (const m of kept.messages || []) {
      if (m.role === "user") { addUserMessage(m.content); continue; }
      const node = newAnswer();
      node.querySelector(".text").textContent = m.content;
      node.querySelector(".feedback").hidden = true;
      node.removeAttribute("aria-busy");
      node.classList.add("earlier");
    }
  }

  function newAnswer() {
    const node = document.getElementById("answer-template").content.firstElementChild.cloneNode(true);
    answerCount += 1;
    node.id = "answer-" + answerCount;
    node.querySelector(".text").textContent = "…";
    node.setAttribute("aria-busy", "true");
    log.appendChild(node);
    node.scrollIntoView({ block: "end" });
    return node;
  }

  // The answer text with each [n] marker turned into a button revealing citation n.
  function renderText(container, answer, citations, prefix) {
    container.textContent = "";
    const byId = new Map(citations.map((c) => [c.id, c]));
    const parts = answer.split(/(\[\d+\])/);
    for (const part of parts) {
      const m = /^\[(\d+)\]$/.exec(part);
      const cite = m ? byId.get(Number(m[1])) : undefined;
      if (!cite) { container.appendChild(document.createTextNode(part)); continue; }
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.textContent = "[" + cite.id + "]";
      chip.setAttribute("aria-expanded", "false");
      chip.setAttribute("aria-controls", prefix + "-cite-" + cite.id);
      chip.setAttribute("aria-label", "Citation " + cite.id + ": " + cite.doc_id);
      chip.addEventListener("click", () => toggleCitation(chip));
      container.appendChild(chip);
    }
  }

  function toggleCitation(chip) {
    const panel = document.getElementById(chip.getAttribute("aria-controls"));
    if (!panel) return;
    const open = chip.getAttribute("aria-expanded") !== "true";
    chip.setAttribute("aria-expanded", String(open));
    panel.hidden = !open;
  }

  function renderCitations(container, citations, prefix) {
    container.textContent = "";
    for (const c of citations) {
      const panel = document.createElement("figure");
      panel.className = "citation";
      panel.id = prefix + "-cite-" + c.id;
      panel.hidden = true;
      const quote = document.createElement("blockquote");
      quote.textContent = c.quote;
      const caption = document.createElement("figcaption");
      caption.textContent = "[" + c.id + "] " + (c.source || c.doc_id) + " (characters " + c.start + "–" + c.end + ")";
      panel.append(quote, caption);
      container.appendChild(panel);
    }
  }

  function badge(list, label, kind, title) {
    const li = document.createElement("li");
    li.className = "badge " + kind;
    li.textContent = label;
    if (title) li.title = title;
    list.appendChild(li);
  }

  // What the grounding check found, never more: no badge when nothing was checked or nothing answered.
  // `groundedness` is the weakest claim's support probability, so the badge counts claims and the
  // title gives that probability rounded down (99.6% is not "100%").
  function groundedBadge(list, r) {
    const claims = r.claims || [];
    if (typeof r.groundedness !== "number" || !claims.length) return;
    if (r.status === "abstained" || r.status === "blocked") return;
    const supported = claims.filter((c) => c.supported === true).length;
    const unchecked = claims.filter((c) => c.supported !== true && c.supported !== false).length;
    const all = supported === claims.length;
    const label = (all ? "grounded" : supported ? "partly grounded" : "not grounded") + ": " + supported + " of " +
      claims.length + (claims.length === 1 ? " claim" : " claims");
    const title = "Grounding check: " + supported + " of " + claims.length + " of this answer's claims are supported by " +
      "the cited passages" + (unchecked ? " (" + unchecked + " not checked)" : "") + ". Confidence that the weakest " +
      "claim is supported: " + Math.floor(r.groundedness * 100) + "%.";
    badge(list, label, all ? "grounded" : "ungrounded", title);
  }

  function renderBadges(list, r) {
    list.textContent = "";
    if (r.status === "redacted" || (r.redactions && r.redactions.length)) {
      const types = [...new Set((r.redactions || []).map((x) => x.entity))].join(", ");
      badge(list, "redacted", "redacted", types ? "Personal data removed: " + types : "Personal data removed");
    }
    groundedBadge(list, r);
    if (r.status === "fallback" || (r.budget && r.budget.degraded && r.budget.degraded.length)) {
      badge(list, "fallback", "fallback", "Part of the pipeline was shortened to answer in time");
    }
    if (r.cache && r.cache !== "miss") badge(list, "cached", "cached", "Served from the answer cache (" + r.cache + ")");
    if (r.status === "abstained") badge(list, "no answer found", "abstained");
    if (r.status === "blocked") badge(list, "blocked", "blocked");
    if (r.variant) badge(list, "variant " + r.variant, "variant");
  }

  function enableFeedback(node, traceId) {
    const status = node.querySelector(".feedback-status");
    for (const button of node.querySelectorAll(".thumb")) {
      button.disabled = false;
      button.addEventListener("click", async () => {
        const rating = button.classList.contains("up") ? 1 : -1;
        for (const b of node.querySelectorAll(".thumb")) b.setAttribute("aria-pressed", String(b === button));
        status.textContent = "Sending…";
        try {
          const response = await fetch("/v1/feedback", {
            method: "POST", headers: headers(), body: JSON.stringify({ trace_id: traceId, rating: rating }),
          });
          status.textContent = response.ok ? "Thanks for your feedback." : await errorMessage(response);
        } catch (e) {
          status.textContent = "Could not send feedback.";
        }
      });
    }
  }

  function finish(node, result) {
    const prefix = node.id;
    renderText(node.querySelector(".text"), result.answer, result.citations || [], prefix);
    renderCitations(node.querySelector(".citations"), result.citations || [], prefix);
    renderBadges(node.querySelector(".badges"), result);
    node.dataset.traceId = result.trace_id;
    node.dataset.status = result.status;
    node.removeAttribute("aria-busy");
    if (result.trace_id) enableFeedback(node, result.trace_id);
  }

  // Parse server-sent events from a fetch body; calls onEvent(name, data) per event.
  async function readEvents(body, onEvent) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let name = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length) onEvent(name, JSON.parse(data.join("\n")));
      }
    }
  }

  askForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = question.value.trim();
    if (!text) { say("Please type a question."); question.focus(); return; }
    addUserMessage(text);
    question.value = "";
    send.disabled = true;
    say("");
    const node = newAnswer();
    const textBox = node.querySelector(".text");
    try {
      const response = await fetch("/v1/ask", {
        method: "POST",
        headers: headers({ Accept: "text/event-stream" }),
        body: JSON.stringify({ question: text, session_id: sessionId(), stream: true }),
      });
      if (!response.ok) {
        const message = await errorMessage(response);
        textBox.textContent = message;
        node.removeAttribute("aria-busy");
        if (response.status === 401) needKey("This service needs an API key: " + message);
        else say(message);
        return;
      }
      let streamed = "";
      await readEvents(response.body, (name, data) => {
        if (name === "chunk") { streamed += data.text; textBox.textContent = streamed; }
        else if (name === "replace") { streamed = data.text; textBox.textContent = streamed; }
        else if (name === "result") finish(node, data);
        else if (name === "error") { textBox.textContent = data.error.message; node.removeAttribute("aria-busy"); }
      });
    } catch (e) {
      textBox.textContent = "The service could not be reached. Please try again.";
      node.removeAttribute("aria-busy");
    } finally {
      send.disabled = false;
      question.focus();
    }
  });

  // The empty page: the help center's name and example questions from its own documents.
  async function loadExamples() {
    let found;
    try {
      const response = await fetch("/v1/examples", { headers: headers() });
      if (!response.ok) return;  // no key yet, or still loading: the generic hint stays
      found = await response.json();
    } catch (e) {
      return;
    }
    if (found.name) $("intro-name").textContent = "Ask the " + found.name;
    const list = $("example-list");
    list.textContent = "";
    for (const text of found.examples || []) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "example";
      button.textContent = text;
      button.addEventListener("click", () => {
        question.value = text;
        askForm.requestSubmit();
      });
      li.appendChild(button);
      list.appendChild(li);
    }
    $("examples").hidden = !list.children.length;
  }

  fetch("/v1/info").then((r) => r.json()).then((info) => {
    if (info.auth && !sessionStorage.getItem(KEY_STORE)) needKey("Enter your API key to start.");
    else { keyPanel.hidden = !info.auth; loadExamples(); restoreConversation(); }
  }).catch(() => say("The service is not reachable right now."));
})();
