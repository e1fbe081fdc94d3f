/*
 * Vita full-page chat: a vanilla client for the /ws websocket (no build step, no dependencies).
 *
 * Decisions:
 *  - Nothing the user or the server sends is ever parsed as HTML. Every node is built with
 *    createElement + textContent; reply text gets a tiny Markdown subset (paragraphs, line breaks,
 *    "- " and "1. " lists, **bold**, *italic*, `code`, [text](url) and bare links), and a link is
 *    made only for an absolute http(s) URL. Anything else stays literal text.
 *  - The log mirrors the server: on every hello the log is rebuilt from the history the server
 *    returns, so a reload or a reconnect shows exactly what the session holds, with no duplicates.
 *    Messages typed while offline wait in an outbox (shown faded) and are sent after the next hello.
 *  - The session id lives in localStorage["vita.session"]; "New conversation" forgets it and
 *    reconnects, so the server starts a fresh session.
 *  - Locale: ?locale=xx-YY in the page address, else navigator.language, else en-US.
 *  - Reconnect: exponential backoff with full jitter (0.5 s doubling to 15 s), reset after a hello;
 *    the offline banner shows while disconnected. Going back online retries at once.
 *  - An emergency card is role="alert" when it arrives live; replayed from history it is a labelled
 *    region, so reloading the page does not re-announce an old alert. On a mental-health card the
 *    crisis line is the first, filled button and the emergency number second; otherwise the reverse.
 *  - Quick-reply buttons are shown only under the latest reply and disappear once the user answers.
 */
(function () {
  "use strict";

  // Every visible sentence of this page. Keep in sync with prompts/web.yaml.
  const STRINGS = {
    title: "Vita",
    tagline: "Health & fitness assistant",
    intro: "Hi, I'm Vita. Tell me how you feel, ask for a workout plan, or ask a health question.",
    placeholder: "Type a message…",
    input_label: "Message",
    send: "Send",
    new_conversation: "New conversation",
    log_label: "Conversation",
    you: "You",
    bot: "Vita",
    typing: "Vita is typing…",
    offline: "Connection lost. Reconnecting…",
    sources: "Sources",
    call: "Call",
    heatmap_alt: "Heat map of the areas that most affected the result",
    disclaimer:
      "Vita offers general information, not a diagnosis. In an emergency, call your local emergency number.",
  };

  const SESSION_KEY = "vita.session";
  const BACKOFF_BASE_MS = 500;
  const BACKOFF_MAX_MS = 15000;

  const $ = (id) => document.getElementById(id);
  const els = {
    log: $("log"),
    scroller: $("scroller"),
    intro: $("intro"),
    typing: $("typing"),
    offline: $("offline"),
    form: $("composer"),
    input: $("input"),
    send: $("send"),
    newConversation: $("new-conversation"),
  };

  // ------------------------------------------------------------------ small DOM helpers

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function applyStrings() {
    document.querySelectorAll("[data-string]").forEach((node) => {
      node.textContent = STRINGS[node.dataset.string] || "";
    });
    document.querySelectorAll("[data-string-placeholder]").forEach((node) => {
      node.setAttribute("placeholder", STRINGS[node.dataset.stringPlaceholder] || "");
    });
    document.querySelectorAll("[data-string-label]").forEach((node) => {
      node.setAttribute("aria-label", STRINGS[node.dataset.stringLabel] || "");
    });
    document.title = STRINGS.title;
  }

  /** The href for an absolute http(s) URL, or null for anything else (javascript:, data:, ...). */
  function safeHttpUrl(raw) {
    if (typeof raw !== "string") return null;
    try {
      const url = new URL(raw.trim());
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  /** Digits (and a leading +, *, #) for a tel: link, or null when it is not a phone number. */
  function telHref(number) {
    if (typeof number !== "string" && typeof number !== "number") return null;
    const text = String(number).trim();
    if (!/^[+]?[\d\s().*#-]{2,}$/.test(text)) return null;
    const digits = text.replace(/[^\d+*#]/g, "");
    return digits ? "tel:" + digits : null;
  }

  function link(href, text) {
    const a = el("a", "link", text);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  // ------------------------------------------------------------------ Markdown-ish text

  // One pass over a line: **bold** | [text](url) | `code` | bare URL | *italic*
  const INLINE =
    /\*\*(?=\S)(.+?)\*\*|\[([^\]\n]+)\]\(([^()\s]+)\)|`([^`\n]+)`|(https?:\/\/[^\s<>()[\]"']*[^\s<>()[\]"'.,;:!?])|\*(?=[^\s*])([^*]+?)\*/g;

  function appendInline(parent, text) {
    INLINE.lastIndex = 0;
    const matches = [];
    let m;
    while ((m = INLINE.exec(text)) !== null) matches.push(m);
    let pos = 0;
    for (const match of matches) {
      if (match.index > pos) parent.appendChild(document.createTextNode(text.slice(pos, match.index)));
      const [whole, bold, linkText, linkUrl, code, bare, italic] = match;
      if (bold !== undefined) {
        const strong = el("strong");
        appendInline(strong, bold);
        parent.appendChild(strong);
      } else if (linkText !== undefined) {
        const href = safeHttpUrl(linkUrl);
        if (href) {
          const a = link(href, "");
          appendInline(a, linkText);
          parent.appendChild(a);
        } else {
          parent.appendChild(document.createTextNode(whole));
        }
      } else if (code !== undefined) {
        parent.appendChild(el("code", null, code));
      } else if (bare !== undefined) {
        const href = safeHttpUrl(bare);
        parent.appendChild(href ? link(href, bare) : document.createTextNode(bare));
      } else if (italic !== undefined) {
        const em = el("em");
        appendInline(em, italic);
        parent.appendChild(em);
      }
      pos = match.index + whole.length;
    }
    if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
  }

  /** Reply text -> a fragment of <p>, <ul>, <ol> built from text nodes only. */
  function renderText(text) {
    const frag = document.createDocumentFragment();
    const lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
    let block = null; // the <p>, <ul> or <ol> being filled
    let lastItem = null;
    for (const line of lines) {
      if (!line.trim()) {
        block = lastItem = null;
        continue;
      }
      const bullet = /^\s*[-*•]\s+(.*)$/.exec(line);
      const numbered = /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line);
      const heading = /^\s*#{1,6}\s+(.*)$/.exec(line);
      if (bullet || numbered) {
        const tag = bullet ? "ul" : "ol";
        if (!block || block.tagName.toLowerCase() !== tag) {
          block = frag.appendChild(el(tag, "md-list"));
          if (numbered && numbered[1] !== "1") block.start = Number(numbered[1]);
        }
        lastItem = block.appendChild(el("li"));
        appendInline(lastItem, bullet ? bullet[1] : numbered[2]);
      } else if (heading) {
        const p = frag.appendChild(el("p", "md-heading"));
        const strong = p.appendChild(el("strong"));
        appendInline(strong, heading[1]);
        block = lastItem = null;
      } else if (lastItem && /^\s+/.test(line)) {
        // an indented line continues the list item above it
        lastItem.appendChild(el("br"));
        appendInline(lastItem, line.trim());
      } else if (block && block.tagName.toLowerCase() === "p") {
        block.appendChild(el("br"));
        appendInline(block, line);
      } else {
        block = frag.appendChild(el("p"));
        lastItem = null;
        appendInline(block, line);
      }
    }
    return frag;
  }

  // ------------------------------------------------------------------ cards

  function humanize(key) {
    const words = String(key).replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function describeValue(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(2);
    if (typeof value !== "object") return String(value);
    if (Array.isArray(value)) return value.map(describeValue).join(", ");
    // e.g. a possible cause {name, probability, code}: "Migraine (G43) 62%"
    if ("name" in value) {
      let text = String(value.name);
      if (value.code) text += " (" + value.code + ")";
      if (typeof value.probability === "number") text += " " + Math.round(value.probability * 100) + "%";
      return text;
    }
    return Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => humanize(k) + ": " + describeValue(v))
      .join("; ");
  }

  function fieldValue(value) {
    if (Array.isArray(value)) {
      const ul = el("ul", "card__list");
      value.forEach((item) => {
        const li = ul.appendChild(el("li"));
        if (item && typeof item === "object" && !Array.isArray(item) && Array.isArray(item.exercises)) {
          // a plan day: {name, exercises: [...]}
          li.appendChild(el("strong", null, item.name || item.day || ""));
          li.appendChild(fieldValue(item.exercises));
        } else {
          li.textContent = describeValue(item);
        }
      });
      return ul;
    }
    return el("span", null, describeValue(value));
  }

  const CARD_HEAD_KEYS = new Set(["type", "title", "level", "headline", "summary", "heatmap_png_base64"]);

  /** Fallback for triage, plan, image_check and unknown cards: heading + definition list. */
  function renderGenericCard(card) {
    const type = typeof card.type === "string" ? card.type.replace(/[^a-z0-9_-]/gi, "") : "card";
    const section = el("section", "card card--" + type);
    if (typeof card.level === "string") section.dataset.level = card.level.replace(/[^a-z0-9_-]/gi, "");
    const title = card.title || card.headline || humanize(type);
    section.setAttribute("aria-label", String(title));
    section.appendChild(el("h3", "card__title", title));
    if (card.level) section.appendChild(el("p", "card__level", humanize(card.level)));
    if (card.title && card.headline) section.appendChild(el("p", "card__headline", card.headline));
    if (card.summary) section.appendChild(el("p", "card__headline", card.summary));

    const dl = el("dl", "card__fields");
    for (const [key, value] of Object.entries(card)) {
      if (CARD_HEAD_KEYS.has(key)) continue;
      if (value === null || value === undefined || value === "") continue;
      if (Array.isArray(value) && value.length === 0) continue;
      dl.appendChild(el("dt", null, humanize(key)));
      const dd = dl.appendChild(el("dd"));
      dd.appendChild(fieldValue(value));
    }
    if (dl.childElementCount) section.appendChild(dl);

    const png = card.heatmap_png_base64;
    if (typeof png === "string" && /^[A-Za-z0-9+/]+={0,2}$/.test(png)) {
      const img = el("img", "card__image");
      img.alt = STRINGS.heatmap_alt;
      img.src = "data:image/png;base64," + png;
      section.appendChild(img);
    }
    return section;
  }

  function callAction(number, label, primary) {
    const wrap = el("div", "call");
    const href = telHref(number);
    if (href) {
      const a = el("a", primary ? "call__link call__link--primary" : "call__link");
      a.href = href;
      a.appendChild(el("span", "call__verb", STRINGS.call));
      a.appendChild(document.createTextNode(" "));
      a.appendChild(el("span", "call__number", number));
      wrap.appendChild(a);
    } else {
      wrap.appendChild(el("span", "call__number", number));
    }
    // labels are written to fit mid-sentence ("the 988 Lifeline"); as a caption they start upper-case
    if (label) wrap.appendChild(el("span", "call__label", label.charAt(0).toUpperCase() + label.slice(1)));
    return wrap;
  }

  function renderEmergencyCard(card, live) {
    const kind = card.kind === "mental_health" ? "mental_health" : "medical";
    const section = el("section", "card card--emergency card--" + kind);
    if (live) section.setAttribute("role", "alert");
    else section.setAttribute("aria-label", String(card.title || ""));
    section.appendChild(el("h3", "card__title", card.title || ""));
    if (card.message) section.appendChild(renderText(card.message));
    if (Array.isArray(card.steps) && card.steps.length) {
      const ol = el("ol", "card__steps");
      card.steps.forEach((step) => ol.appendChild(el("li", null, step)));
      section.appendChild(ol);
    }
    // A crisis line leads on a mental-health card; the emergency number leads otherwise.
    const actions = el("div", "card__actions");
    const crisisFirst = kind === "mental_health" && Boolean(card.crisis_line);
    const emergency = card.number ? callAction(card.number, card.number_label, !crisisFirst) : null;
    const crisis = card.crisis_line
      ? callAction(card.crisis_line, card.crisis_label, crisisFirst)
      : null;
    (crisisFirst ? [crisis, emergency] : [emergency, crisis]).forEach((node) => {
      if (node) actions.appendChild(node);
    });
    if (actions.childElementCount) section.appendChild(actions);
    return section;
  }

  function renderCard(card, live) {
    if (!card || typeof card !== "object") return null;
    return card.type === "emergency" ? renderEmergencyCard(card, live) : renderGenericCard(card);
  }

  // ------------------------------------------------------------------ the log

  function nearBottom() {
    const s = els.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 120;
  }

  function scrollToEnd() {
    els.scroller.scrollTop = els.scroller.scrollHeight;
  }

  function updateIntro() {
    els.intro.hidden = els.log.childElementCount > 0;
  }

  function speaker(text) {
    return el("span", "visually-hidden", text + ": ");
  }

  function addUserMessage(text, pending) {
    const stick = nearBottom();
    const msg = el("div", "msg msg--user" + (pending ? " msg--pending" : ""));
    msg.appendChild(speaker(STRINGS.you));
    msg.appendChild(el("span", "msg__text", text));
    els.log.appendChild(msg);
    updateIntro();
    if (stick || !pending) scrollToEnd();
    return msg;
  }

  function clearQuickReplies() {
    els.log.querySelectorAll(".quick-replies").forEach((node) => node.remove());
  }

  function addBotReply(reply, opts) {
    const live = Boolean(opts && opts.live);
    const showQuickReplies = Boolean(opts && opts.quickReplies);
    const stick = nearBottom();
    clearQuickReplies();

    const msg = el("div", "msg msg--bot");
    if (reply && reply.id) msg.dataset.replyId = String(reply.id);
    if (reply && reply.skill) msg.dataset.skill = String(reply.skill);
    msg.appendChild(speaker(STRINGS.bot));
    const body = msg.appendChild(el("div", "msg__text"));
    body.appendChild(renderText(reply && reply.text));

    const cards = (reply && Array.isArray(reply.cards) && reply.cards) || [];
    cards.forEach((card) => {
      const node = renderCard(card, live);
      if (node) msg.appendChild(node);
    });

    const citations = (reply && Array.isArray(reply.citations) && reply.citations) || [];
    if (citations.length) {
      const box = el("div", "citations");
      box.appendChild(el("p", "citations__title", STRINGS.sources));
      const ol = box.appendChild(el("ol", "citations__list"));
      citations.forEach((c) => {
        if (!c || typeof c !== "object") return;
        const li = ol.appendChild(el("li"));
        const href = safeHttpUrl(c.url);
        const title = c.title || c.source || c.url || c.passage_id || "";
        li.appendChild(href ? link(href, title) : el("span", null, title));
        if (c.source && c.source !== title) li.appendChild(el("span", "citations__source", " — " + c.source));
      });
      msg.appendChild(box);
    }
    els.log.appendChild(msg);

    const quick = (reply && Array.isArray(reply.quick_replies) && reply.quick_replies) || [];
    if (showQuickReplies && quick.length) {
      const group = el("div", "quick-replies");
      quick.forEach((q) => {
        if (!q || typeof q !== "object") return;
        const label = String(q.label || q.value || "");
        const value = String(q.value !== undefined && q.value !== null ? q.value : label);
        const button = el("button", "btn btn--chip", label);
        button.type = "button";
        button.addEventListener("click", () => sendQuickReply(label, value));
        group.appendChild(button);
      });
      els.log.appendChild(group);
    }
    updateIntro();
    if (stick || live) scrollToEnd();
  }

  function addNotice(text) {
    const stick = nearBottom();
    els.log.appendChild(el("p", "notice", text));
    updateIntro();
    if (stick) scrollToEnd();
  }

  function renderHistory(history) {
    els.log.replaceChildren();
    const items = Array.isArray(history) ? history : [];
    items.forEach((item, i) => {
      if (!item || typeof item !== "object") return;
      if (item.role === "user") addUserMessage(String(item.text || ""), false);
      else if (item.role === "bot")
        addBotReply(item.reply || {}, { live: false, quickReplies: i === items.length - 1 });
    });
    updateIntro();
    scrollToEnd();
  }

  function setTyping(on) {
    const stick = nearBottom();
    els.typing.hidden = !on;
    if (on && stick) scrollToEnd();
  }

  // ------------------------------------------------------------------ the socket

  const state = {
    ws: null,
    ready: false, // a hello has come back on the current socket
    attempts: 0,
    timer: null,
    outbox: [], // {frame, text} typed while offline, sent after the next hello
    locale: pickLocale(),
  };

  function pickLocale() {
    const fromQuery = new URLSearchParams(location.search).get("locale");
    const candidate = fromQuery || navigator.language || "en-US";
    return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(candidate) ? candidate : "en-US";
  }

  function storedSession() {
    try {
      return localStorage.getItem(SESSION_KEY);
    } catch (_) {
      return null;
    }
  }

  function storeSession(id) {
    try {
      if (id) localStorage.setItem(SESSION_KEY, id);
      else localStorage.removeItem(SESSION_KEY);
    } catch (_) {
      /* storage disabled: the conversation simply won't survive a reload */
    }
  }

  function socketUrl() {
    const path = document.body.dataset.wsPath || "/ws";
    const url = new URL(path, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    return url.href;
  }

  function setOffline(offline) {
    els.offline.hidden = !offline;
  }

  function connect() {
    clearTimeout(state.timer);
    state.timer = null;
    let ws;
    try {
      ws = new WebSocket(socketUrl());
    } catch (_) {
      scheduleReconnect();
      return;
    }
    state.ws = ws;
    state.ready = false;
    ws.addEventListener("open", () => {
      const hello = { type: "hello", locale: state.locale };
      const session = storedSession();
      if (session) hello.session_id = session;
      ws.send(JSON.stringify(hello));
    });
    ws.addEventListener("message", (event) => {
      if (ws !== state.ws) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (_) {
        return; // not JSON: ignore rather than break the page
      }
      if (frame && typeof frame === "object") handleFrame(frame);
    });
    ws.addEventListener("close", () => {
      if (ws !== state.ws) return; // a socket we replaced on purpose
      state.ws = null;
      state.ready = false;
      setTyping(false);
      setOffline(true);
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (state.timer) return;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** state.attempts);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    state.attempts += 1;
    state.timer = setTimeout(() => {
      state.timer = null;
      connect();
    }, delay);
  }

  function handleFrame(frame) {
    switch (frame.type) {
      case "hello": {
        state.ready = true;
        state.attempts = 0;
        setOffline(false);
        if (typeof frame.session_id === "string" && frame.session_id) storeSession(frame.session_id);
        renderHistory(frame.resumed ? frame.history : []);
        flushOutbox();
        break;
      }
      case "typing":
        setTyping(Boolean(frame.on));
        break;
      case "reply":
        addBotReply(frame, { live: true, quickReplies: true });
        break;
      case "error":
        addNotice(String(frame.message || frame.code || ""));
        break;
      default:
        break; // unknown frame types are ignored, so the server can add new ones
    }
  }

  function flushOutbox() {
    const queued = state.outbox;
    state.outbox = [];
    queued.forEach((item) => {
      addUserMessage(item.text, false);
      state.ws.send(JSON.stringify(item.frame));
    });
  }

  function submit(frame, shownText) {
    clearQuickReplies();
    if (state.ws && state.ready && state.ws.readyState === WebSocket.OPEN) {
      addUserMessage(shownText, false);
      state.ws.send(JSON.stringify(frame));
    } else {
      state.outbox.push({ frame, text: shownText });
      addUserMessage(shownText, true);
    }
  }

  function sendQuickReply(label, value) {
    submit({ type: "quick_reply", value }, label);
    els.input.focus();
  }

  function newConversation() {
    storeSession(null);
    state.outbox = [];
    els.log.replaceChildren();
    setTyping(false);
    updateIntro();
    const old = state.ws;
    state.ws = null; // its close event is now ignored
    if (old) old.close();
    state.attempts = 0;
    connect();
    els.input.focus();
  }

  // ------------------------------------------------------------------ composer

  function autosize() {
    els.input.style.height = "auto";
    els.input.style.height = Math.min(els.input.scrollHeight, 160) + "px";
  }

  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = els.input.value.trim();
    if (!text) return;
    submit({ type: "message", text }, text);
    els.input.value = "";
    autosize();
    els.input.focus();
  });

  els.input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter adds a line; never send half-composed IME input
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      els.form.requestSubmit();
    }
  });
  els.input.addEventListener("input", autosize);
  els.newConversation.addEventListener("click", newConversation);
  window.addEventListener("online", () => {
    if (!state.ws) {
      state.attempts = 0;
      connect();
    }
  });

  applyStrings();
  updateIntro();
  connect();

  // The text renderer is exposed (read-only) so the browser test can check it on hostile input.
  window.Vita = Object.freeze({ renderText, safeHttpUrl, telHref });
})();
