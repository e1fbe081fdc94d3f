/*
 * Vita chat widget: vanilla JavaScript, no build step, no dependencies.
 *
 *   <script src="https://HOST/widget.js" data-server="https://HOST" defer></script>
 *
 * Options (data- attributes of that tag): data-server (default: where widget.js came from),
 * data-title, data-theme (light | dark | auto), data-locale (default: ?locale= of the page, then
 * the browser's language), data-position (right | left), data-open (open at once),
 * data-container (a CSS selector: render inline, filling that element, instead of floating).
 * API: Vita.open(), Vita.close(), Vita.toggle(), Vita.send(text), Vita.newConversation(),
 * Vita.sessionId(), Vita.isOpen(), Vita.on(event, fn) / Vita.off(event, fn) for "ready", "open",
 * "close", "message" ({role, text, reply}) and "connection" ({online}); the same events are
 * dispatched on window as "vita:<event>" CustomEvents.
 *
 * Decisions:
 *  - Everything lives in an open Shadow DOM whose host resets every property (:host { all:
 *    initial !important }), and the widget's CSS uses px, not rem: host-page CSS can neither reach
 *    in nor leak in by inheritance, and the widget adds no style to the host page.
 *  - Strings come from the server (GET /api/v1/widget/config, i.e. prompts/web.yaml) with the
 *    limits the server enforces, so the size check before sending uses the server's own limit.
 *  - Nothing a user or a reply says is parsed as HTML: nodes are built with createElement and
 *    textContent. Reply text gets a small Markdown subset; a link is made only for an absolute
 *    http(s) URL, a call link only for something that looks like a phone number.
 *  - The log mirrors the server: each hello rebuilds it from the history the server returns, so
 *    a reload, a new tab or a reconnect shows exactly what the session holds. What is typed while
 *    offline waits in an outbox (shown faded) and is sent once, in order, after the next hello.
 *  - Reconnect: exponential backoff with jitter (0.5 s doubling to 15 s), reset after a hello; the
 *    banner's "Retry now" and the browser's "online" event retry at once.
 *  - A plan's exports: an http(s) URL or a /path becomes a download link; a format name
 *    (markdown, csv, ics, json) is built in the browser from the card itself.
 *  - A live emergency card is role="alert"; replayed from history it is a labelled region, so a
 *    reload does not re-announce an old alert.
 */
(function () {
  "use strict";
  if (window.Vita && window.Vita.version) return; // the tag was included twice

  const script =
    document.currentScript || document.querySelector('script[src*="widget.js"]') || document.createElement("script");
  const data = script.dataset || {};
  const scriptUrl = script.src ? new URL(script.src, location.href) : new URL(location.href);
  const SERVER = new URL(data.server || scriptUrl.origin, location.href).href.replace(/\/+$/, "");
  const CSS_URL = new URL("widget.css", scriptUrl).href;
  const INLINE = Boolean(data.container);
  const KEY = "vita.session@" + SERVER;
  const NOTICE_KEY = "vita.notice@" + SERVER;
  const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];
  const FOCUSABLE = 'button, a[href], textarea, input:not([type="file"]), [tabindex]:not([tabindex="-1"])';
  const LOCALE_RE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

  let S = {}; // strings from prompts/web.yaml
  let PRIVACY = { title: "", paragraphs: [] }; // the privacy notice (prompts/privacy.yaml)
  let limits = { max_image_bytes: 5 * 1024 * 1024, max_message_chars: 4000 };
  let version = "";
  let ui = null; // the built DOM, once the config is loaded
  const early = []; // API calls made before the widget was built
  const listeners = {};
  const state = { ws: null, ready: false, attempts: 0, timer: null, outbox: [], open: false, pending: null, photo: null, note: null };

  // ------------------------------------------------------------------ helpers

  function t(key, vars) {
    let value = key.split(".").reduce((obj, k) => (obj && typeof obj === "object" ? obj[k] : undefined), S);
    if (typeof value !== "string") return "";
    return value.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) => (vars && name in vars ? String(vars[name]) : ""));
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  const ICONS = {
    chat: "M4 5h16v11H9l-5 4z",
    close: "M6 6l12 12M18 6L6 18",
    send: "M3 11l18-8-8 18-2-8z",
    photo: "M4 5h16v14H4zM4 16l5-5 4 4 3-3 4 4",
    camera: "M4 8h4l2-3h4l2 3h4v11H4zM8.5 13a3.5 3.5 0 1 0 7 0a3.5 3.5 0 1 0-7 0",
    emergency: "M12 3l10 18H2zM12 9v5M12 17v1",
    urgent: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zM12 7v5l3 3",
    routine: "M4 6h16v14H4zM4 10h16M8 3v5M16 3v5",
    self_care: "M3 11l9-8 9 8M5 10v10h14V10",
    phone: "M5 4h4l2 5-3 2a11 11 0 0 0 5 5l2-3 5 2v4a2 2 0 0 1-2 2A17 17 0 0 1 3 6a2 2 0 0 1 2-2z",
    download: "M12 4v11M7 10l5 5 5-5M5 20h14",
  };

  function icon(name) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "vw-icon");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name] || ICONS.chat);
    svg.appendChild(path);
    return svg;
  }

  function button(className, text, onClick, iconName) {
    const b = el("button", "vw-btn " + (className || ""));
    b.type = "button";
    if (iconName) b.appendChild(icon(iconName));
    if (text) b.appendChild(el("span", "vw-btn__text", text));
    if (onClick) b.addEventListener("click", onClick);
    return b;
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
    const text = String(number === null || number === undefined ? "" : number).trim();
    if (!/^[+]?[\d\s().*#-]{2,}$/.test(text)) return null;
    const digits = text.replace(/[^\d+*#]/g, "");
    return digits ? "tel:" + digits : null;
  }

  function link(href, text) {
    const a = el("a", "vw-link", text);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function humanize(key) {
    const words = String(key).replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function pct(p) {
    return typeof p === "number" && isFinite(p) ? Math.round(Math.max(0, Math.min(1, p)) * 100) + "%" : "";
  }

  function list(value) {
    return Array.isArray(value) ? value : [];
  }

  function str(value) {
    if (value === null || value === undefined) return "";
    if (Array.isArray(value)) return value.map(str).join(", ");
    if (typeof value === "object") return String(value.name || "");
    if (typeof value === "number" && !Number.isInteger(value)) return String(Math.round(value * 100) / 100);
    return String(value);
  }

  // ------------------------------------------------------------------ Markdown (text nodes only)

  // One pass over a line: **bold** | [text](url) | `code` | bare URL | *italic*
  const INLINE_RE =
    /\*\*(?=\S)(.+?)\*\*|\[([^\]\n]+)\]\(([^()\s]+)\)|`([^`\n]+)`|(https?:\/\/[^\s<>()[\]"']*[^\s<>()[\]"'.,;:!?])|\*(?=[^\s*])([^*]+?)\*/g;

  function appendInline(parent, text) {
    const re = new RegExp(INLINE_RE.source, "g");
    let pos = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > pos) parent.appendChild(document.createTextNode(text.slice(pos, m.index)));
      const [whole, bold, linkText, linkUrl, code, bare, italic] = m;
      if (bold !== undefined) appendInline(parent.appendChild(el("strong")), bold);
      else if (linkText !== undefined) {
        const href = safeHttpUrl(linkUrl);
        if (href) appendInline(parent.appendChild(link(href, "")), linkText);
        else parent.appendChild(document.createTextNode(whole));
      } else if (code !== undefined) parent.appendChild(el("code", null, code));
      else if (bare !== undefined) {
        const href = safeHttpUrl(bare);
        parent.appendChild(href ? link(href, bare) : document.createTextNode(bare));
      } else if (italic !== undefined) appendInline(parent.appendChild(el("em")), italic);
      pos = m.index + whole.length;
    }
    if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
  }

  /** Reply text -> a fragment of <p>, <ul>, <ol> built from text nodes only. */
  function renderText(text) {
    const frag = document.createDocumentFragment();
    let block = null;
    let item = null;
    for (const line of String(text || "").replace(/\r\n?/g, "\n").split("\n")) {
      if (!line.trim()) {
        block = item = null;
        continue;
      }
      const bullet = /^\s*[-*•]\s+(.*)$/.exec(line);
      const numbered = /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line);
      const heading = /^\s*#{1,6}\s+(.*)$/.exec(line);
      if (bullet || numbered) {
        const tag = bullet ? "ul" : "ol";
        if (!block || block.tagName.toLowerCase() !== tag) {
          block = frag.appendChild(el(tag, "vw-md-list"));
          if (numbered && numbered[1] !== "1") block.start = Number(numbered[1]);
        }
        item = block.appendChild(el("li"));
        appendInline(item, bullet ? bullet[1] : numbered[2]);
      } else if (heading) {
        appendInline(frag.appendChild(el("p", "vw-md-heading")).appendChild(el("strong")), heading[1]);
        block = item = null;
      } else if (item && /^\s+/.test(line)) {
        item.appendChild(el("br"));
        appendInline(item, line.trim());
      } else if (block && block.tagName.toLowerCase() === "p") {
        block.appendChild(el("br"));
        appendInline(block, line);
      } else {
        block = frag.appendChild(el("p"));
        item = null;
        appendInline(block, line);
      }
    }
    return frag;
  }

  /** Wraps each of ``words`` found in ``node``'s text in <mark>, building text nodes only. */
  function highlight(node, words) {
    const clean = list(words).map(str).filter((w) => w.trim());
    if (!node || !clean.length) return;
    const escaped = clean.map((w) => w.trim().replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    const re = new RegExp("(" + escaped.join("|") + ")", "gi");
    const text = node.textContent;
    node.replaceChildren();
    text.split(re).forEach((part, i) => node.appendChild(i % 2 ? el("mark", "vw-mark", part) : document.createTextNode(part)));
  }

  // ------------------------------------------------------------------ cards

  function card(type, title, iconName) {
    const section = el("div", "vw-card vw-card--" + type);
    const head = section.appendChild(el("h3", "vw-card__title"));
    if (iconName) head.appendChild(icon(iconName));
    head.appendChild(el("span", null, title));
    section.setAttribute("role", "group"); // a labelled group, not a landmark: a chat has many cards
    section.setAttribute("aria-label", title);
    return section;
  }

  function bullets(parent, title, items, ordered) {
    const values = list(items).map(str).filter(Boolean);
    if (!values.length) return;
    if (title) parent.appendChild(el("h4", "vw-card__sub", title));
    const ul = parent.appendChild(el(ordered ? "ol" : "ul", "vw-card__list"));
    values.forEach((v) => ul.appendChild(el("li", null, v)));
  }

  function bars(parent, title, items) {
    const rows = list(items).filter((c) => c && typeof c === "object");
    if (!rows.length) return;
    parent.appendChild(el("h4", "vw-card__sub", title));
    const ol = parent.appendChild(el("ol", "vw-bars"));
    rows.forEach((c) => {
      const li = ol.appendChild(el("li", "vw-bar"));
      const label = li.appendChild(el("span", "vw-bar__label", str(c.name)));
      if (c.code) label.appendChild(el("span", "vw-bar__code", " (" + str(c.code) + ")"));
      li.appendChild(el("span", "vw-bar__value", pct(c.probability)));
      const track = li.appendChild(el("span", "vw-bar__track"));
      track.setAttribute("aria-hidden", "true");
      track.appendChild(el("span", "vw-bar__fill")).style.width = pct(c.probability) || "0%";
    });
  }

  function callLink(number, label, primary) {
    const wrap = el("div", "vw-call");
    const href = telHref(number);
    if (href) {
      const a = wrap.appendChild(el("a", "vw-call__link" + (primary ? " vw-call__link--primary" : "")));
      a.href = href;
      a.appendChild(icon("phone"));
      a.appendChild(el("span", null, t("call") + " " + str(number)));
    } else wrap.appendChild(el("strong", null, str(number)));
    // labels are written to fit mid-sentence ("the 988 Lifeline"); as a caption they start upper-case
    if (label) wrap.appendChild(el("span", "vw-call__label", label.charAt(0).toUpperCase() + label.slice(1)));
    return wrap;
  }

  function emergencyCard(c, live) {
    const kind = c.kind === "mental_health" ? "mental_health" : "medical";
    const section = card("emergency vw-card--" + kind, str(c.title), "emergency");
    if (live) {
      section.removeAttribute("aria-label");
      section.setAttribute("role", "alert");
    }
    section.appendChild(el("div", "vw-card__body")).appendChild(renderText(c.message));
    // A crisis line leads on a mental-health card; the emergency number leads otherwise.
    const crisisFirst = kind === "mental_health" && Boolean(c.crisis_line);
    const actions = el("div", "vw-card__actions");
    const emergency = c.number ? callLink(c.number, c.number_label, !crisisFirst) : null;
    const crisis = c.crisis_line ? callLink(c.crisis_line, c.crisis_label, crisisFirst) : null;
    (crisisFirst ? [crisis, emergency] : [emergency, crisis]).forEach((n) => n && actions.appendChild(n));
    if (actions.childElementCount) section.appendChild(actions);
    bullets(section, "", c.steps, true);
    return section;
  }

  function triageCard(c, userNode) {
    const level = ["emergency", "urgent", "routine", "self_care"].includes(c.level) ? c.level : "routine";
    const section = card("triage", t("triage_levels." + level) || humanize(level), level);
    section.dataset.level = level;
    if (c.headline) section.appendChild(el("p", "vw-card__lead", str(c.headline)));
    if (c.reason) section.appendChild(el("p", null, str(c.reason)));
    const words = list(c.highlights).map(str).filter(Boolean);
    if (words.length) {
      const p = section.appendChild(el("p", "vw-card__words"));
      p.appendChild(el("span", "vw-card__sub", t("highlights_title") + ": "));
      words.forEach((w) => p.appendChild(el("mark", "vw-mark", w)));
      highlight(userNode, words);
    }
    bars(section, t("causes_title"), c.causes);
    bullets(section, t("advice_title"), c.advice);
    return section;
  }

  // A day is {name, exercises: [{column: value}], other keys: lines under the table}. Keys may be
  // labels already ("Exercise", "Warm-up": the workout skill's card) or field names ("rest_s",
  // "warmup": plan JSON), which get labels from the strings.
  const DAY_KEYS = new Set(["name", "day", "focus", "minutes", "weekday", "exercises"]);
  const ROW_SKIP = new Set(["id", "per_side", "primary_muscles", "equipment"]);
  const DAY_LABELS = { warmup: "plan_warmup", cardio: "plan_cardio", cooldown: "plan_cooldown" };

  function planItem(i) {
    if (!i || typeof i !== "object") return str(i);
    const time = i.minutes ? t("plan_minutes", { minutes: i.minutes }) : i.seconds ? i.seconds + " s" : "";
    return str(i.name) + (time ? " " + time : "");
  }

  function planCard(c) {
    const section = card("plan", str(c.title) || humanize("plan"), "routine");
    if (c.summary) section.appendChild(el("div", "vw-card__body")).appendChild(renderText(c.summary));
    list(c.days).forEach((day) => {
      if (!day || typeof day !== "object") return;
      const rows = list(day.exercises).filter((x) => x && typeof x === "object");
      const cols = [...new Set(rows.flatMap(Object.keys))].filter((k) => !ROW_SKIP.has(k));
      const wrap = section.appendChild(el("div", "vw-table-wrap"));
      const table = wrap.appendChild(el("table", "vw-table"));
      const caption = [str(day.name || day.day), str(day.focus), day.minutes ? t("plan_minutes", { minutes: day.minutes }) : ""];
      table.appendChild(el("caption", null, caption.filter(Boolean).join(" · ")));
      const head = table.appendChild(el("thead")).appendChild(el("tr"));
      cols.forEach((k) => (head.appendChild(el("th", null, t("plan_columns." + k) || humanize(k))).scope = "col"));
      const body = table.appendChild(el("tbody"));
      rows.forEach((x) => {
        const tr = body.appendChild(el("tr"));
        cols.forEach((k, i) => {
          let v = str(x[k]);
          if (k === "reps" && x.per_side) v += " (" + t("plan_per_side") + ")";
          const cell = tr.appendChild(el(i ? "td" : "th", null, v));
          if (!i) cell.scope = "row";
        });
      });
      Object.keys(day).forEach((k) => {
        const v = day[k];
        if (DAY_KEYS.has(k) || v === null || v === undefined) return;
        const text = (Array.isArray(v) ? v : [v]).map(planItem).filter(Boolean).join(", ");
        if (text) wrap.appendChild(el("p", "vw-table-note", (t(DAY_LABELS[k] || "-") || humanize(k)) + ": " + text));
      });
    });
    const exports = list(c.exports).map(str).filter(Boolean);
    if (exports.length) {
      const bar = section.appendChild(el("div", "vw-card__actions"));
      exports.forEach((fmt) => bar.appendChild(exportButton(c, fmt)));
    }
    return section;
  }

  const FORMATS = {
    markdown: ["md", "text/markdown"],
    md: ["md", "text/markdown"],
    csv: ["csv", "text/csv"],
    ics: ["ics", "text/calendar"],
    ical: ["ics", "text/calendar"],
    icalendar: ["ics", "text/calendar"],
    json: ["json", "application/json"],
  };

  function exportButton(c, fmt) {
    const url = /^\//.test(fmt) && !/^\/\//.test(fmt) ? SERVER + fmt : safeHttpUrl(fmt);
    const kind = FORMATS[fmt.toLowerCase()];
    const name = url ? (url.split(/[?#]/)[0].split(".").pop() || "file").toUpperCase() : kind ? kind[0].toUpperCase() : fmt;
    const a = el("a", "vw-btn vw-btn--small");
    a.appendChild(icon("download"));
    a.appendChild(el("span", null, t("plan_export", { format: name })));
    if (url) {
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    } else if (kind) {
      a.href = "#";
      a.addEventListener("click", (e) => {
        e.preventDefault();
        const blob = new Blob([planExport(c, kind[0])], { type: kind[1] + ";charset=utf-8" });
        const tmp = el("a");
        tmp.href = URL.createObjectURL(blob);
        tmp.download = "vita-plan." + kind[0];
        tmp.click();
        setTimeout(() => URL.revokeObjectURL(tmp.href), 10000);
      });
    } else return el("span", "vw-table-note", fmt);
    return a;
  }

  function planExport(c, ext) {
    const days = list(c.days).filter((d) => d && typeof d === "object");
    const rows = (d) => list(d.exercises).filter((x) => x && typeof x === "object");
    const line = (x) => Object.keys(x).filter((k) => !ROW_SKIP.has(k)).map((k) => str(x[k])).filter(Boolean).join(", ");
    if (ext === "json") return JSON.stringify(c, null, 2);
    if (ext === "csv") {
      const q = (v) => '"' + str(v).replace(/"/g, '""') + '"';
      const cols = [...new Set(days.flatMap((d) => rows(d).flatMap(Object.keys)))].filter((k) => !ROW_SKIP.has(k));
      const out = [["day", ...cols].map(q).join(",")];
      days.forEach((d) => rows(d).forEach((x) => out.push([d.name || d.day, ...cols.map((k) => x[k])].map(q).join(","))));
      return out.join("\r\n") + "\r\n";
    }
    if (ext === "md") {
      const out = ["# " + str(c.title), "", str(c.summary)];
      days.forEach((d) => {
        out.push("", "## " + [str(d.name || d.day), str(d.focus)].filter(Boolean).join(": "), "");
        rows(d).forEach((x) => out.push("- " + line(x)));
      });
      return out.join("\n") + "\n";
    }
    // iCalendar: each day weekly for four weeks from its next weekday (floating local time, 18:00)
    const esc = (v) => str(v).replace(/[\\;,]/g, "\\$&").replace(/\n/g, "\\n");
    const out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Vita//Plan//EN"];
    const now = new Date();
    const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
    days.forEach((d, i) => {
      const wd = Number.isInteger(d.weekday) ? d.weekday : i; // 0 = Monday
      const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1 + ((wd + 1 - now.getDay() + 6) % 7));
      const ymd = start.getFullYear() + String(start.getMonth() + 1).padStart(2, "0") + String(start.getDate()).padStart(2, "0");
      out.push("BEGIN:VEVENT", "UID:vita-plan-" + i + "-" + stamp + "@vita", "DTSTAMP:" + stamp, "DTSTART:" + ymd + "T180000");
      out.push("DURATION:PT" + (Number(d.minutes) || 45) + "M", "RRULE:FREQ=WEEKLY;COUNT=4");
      out.push("SUMMARY:" + esc([str(c.title), str(d.focus || d.name || d.day)].filter(Boolean).join(": ")));
      out.push("DESCRIPTION:" + esc(rows(d).map(line).join("\n")), "END:VEVENT");
    });
    out.push("END:VCALENDAR");
    return out.join("\r\n") + "\r\n";
  }

  function imageCard(c, photoUrl) {
    const refused = Boolean(c.refusal);
    const section = card("image_check", t(refused ? "image_refused_title" : "image_title"), refused ? "emergency" : "photo");
    if (refused) section.appendChild(el("p", null, str(c.refusal)));
    const png = c.heatmap_png_base64;
    const heat = typeof png === "string" && /^[A-Za-z0-9+/]+={0,2}$/.test(png) ? "data:image/png;base64," + png : null;
    if (photoUrl || heat) {
      const fig = section.appendChild(el("figure", "vw-figure"));
      const stack = fig.appendChild(el("div", "vw-figure__stack"));
      if (photoUrl) {
        const img = stack.appendChild(el("img", "vw-figure__photo"));
        img.src = photoUrl;
        img.alt = t("photo_alt");
      }
      if (heat) {
        const img = stack.appendChild(el("img", "vw-figure__heat" + (photoUrl ? " vw-figure__heat--over" : "")));
        img.src = heat;
        img.alt = t("heatmap_alt");
        fig.appendChild(el("figcaption", null, t(photoUrl ? "heatmap_caption" : "heatmap_alt")));
      }
    }
    if (!refused) bars(section, t("image_classes_title"), c.classes);
    if (c.action) section.appendChild(el("p", "vw-card__lead", str(c.action)));
    return section;
  }

  function genericCard(c) {
    const section = card("other", str(c.title || c.headline) || humanize(c.type || "card"));
    const dl = section.appendChild(el("dl", "vw-card__fields"));
    Object.keys(c).forEach((k) => {
      if (k === "type" || k === "title" || c[k] === null || c[k] === undefined || typeof c[k] === "object") return;
      dl.appendChild(el("dt", null, humanize(k)));
      dl.appendChild(el("dd", null, str(c[k])));
    });
    return section;
  }

  function renderCard(c, live, userNode, photoUrl) {
    if (!c || typeof c !== "object") return null;
    if (c.type === "emergency") return emergencyCard(c, live);
    if (c.type === "triage") return triageCard(c, userNode);
    if (c.type === "plan") return planCard(c);
    if (c.type === "image_check") return imageCard(c, photoUrl);
    return genericCard(c);
  }

  // ------------------------------------------------------------------ the log

  function nearBottom() {
    const s = ui.body;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 120;
  }

  function scrollToEnd() {
    ui.body.scrollTop = ui.body.scrollHeight;
  }

  function updateIntro() {
    ui.intro.hidden = ui.log.childElementCount > 0;
  }

  function addUserMessage(text, opts) {
    const o = opts || {};
    const msg = el("div", "vw-msg vw-msg--user" + (o.pending ? " vw-msg--pending" : ""));
    msg.appendChild(el("span", "vw-vh", t("you") + ": "));
    if (o.photo) {
      const img = msg.appendChild(el("img", "vw-msg__photo"));
      img.src = o.photo;
      img.alt = t("photo_alt");
    }
    msg.appendChild(el("div", "vw-msg__text", text || (o.photo ? "" : t("photo_sent"))));
    if (o.pending) msg.appendChild(el("span", "vw-msg__status", t("queued")));
    ui.log.appendChild(msg);
    updateIntro();
    scrollToEnd();
    return msg;
  }

  function clearQuickReplies() {
    ui.log.querySelectorAll(".vw-quick").forEach((n) => n.remove());
  }

  function addBotReply(reply, live, quick) {
    const r = reply && typeof reply === "object" ? reply : {};
    const stick = nearBottom();
    clearQuickReplies();
    const users = ui.log.querySelectorAll(".vw-msg--user .vw-msg__text");
    const lastUser = users.length ? users[users.length - 1] : null;
    const msg = el("div", "vw-msg vw-msg--bot");
    if (r.skill) msg.dataset.skill = str(r.skill);
    msg.appendChild(el("span", "vw-vh", t("bot") + ": "));
    msg.appendChild(el("div", "vw-msg__text")).appendChild(renderText(r.text));
    list(r.cards).forEach((c) => {
      const node = renderCard(c, live, lastUser, live ? state.photo : null);
      if (node) msg.appendChild(node);
    });
    const cites = list(r.citations).filter((c) => c && typeof c === "object");
    if (cites.length) {
      const box = msg.appendChild(el("div", "vw-cites"));
      box.appendChild(el("p", "vw-cites__title", t("sources")));
      const ol = box.appendChild(el("ol"));
      cites.forEach((c) => {
        const li = ol.appendChild(el("li"));
        const href = safeHttpUrl(c.url);
        const title = str(c.title || c.source || c.url || c.passage_id);
        li.appendChild(href ? link(href, title) : el("span", null, title));
        if (c.source && c.source !== title) li.appendChild(el("span", "vw-cites__source", " · " + str(c.source)));
      });
    }
    ui.log.appendChild(msg);
    const buttons = list(r.quick_replies).filter((q) => q && typeof q === "object");
    if (quick && buttons.length) {
      const group = ui.log.appendChild(el("div", "vw-quick"));
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", t("quick_replies_label"));
      buttons.forEach((q) => {
        const label = str(q.label || q.value);
        const value = str(q.value !== undefined && q.value !== null ? q.value : label);
        group.appendChild(button("vw-btn--chip", label, () => (submit({ type: "quick_reply", value }, label), focusInput())));
      });
    }
    updateIntro();
    if (stick || live) scrollToEnd();
    return msg;
  }

  function addNote(text) {
    ui.log.appendChild(el("p", "vw-note", text));
    updateIntro();
    scrollToEnd();
  }

  function renderHistory(history) {
    ui.log.replaceChildren();
    const items = list(history);
    items.forEach((item, i) => {
      if (!item || typeof item !== "object") return;
      if (item.role === "user") addUserMessage(str(item.text));
      else if (item.role === "bot") addBotReply(item.reply, false, i === items.length - 1);
    });
    updateIntro();
    scrollToEnd();
  }

  // ------------------------------------------------------------------ the socket

  function storage(key, value) {
    try {
      if (value === undefined) return localStorage.getItem(key);
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch (_) {
      /* storage disabled: the conversation won't survive a reload */
    }
    return null;
  }

  function pickLocale() {
    const candidates = [data.locale, new URLSearchParams(location.search).get("locale"), navigator.language];
    return candidates.find((c) => typeof c === "string" && LOCALE_RE.test(c)) || "en-US";
  }
  const locale = pickLocale();

  function setOffline(offline) {
    ui.banner.hidden = !offline;
    ui.host.dataset.connection = offline ? "offline" : "online";
    fire("connection", { online: !offline });
  }

  function connect() {
    clearTimeout(state.timer);
    state.timer = null;
    let ws;
    try {
      ws = new WebSocket(SERVER.replace(/^http/, "ws") + "/ws");
    } catch (_) {
      scheduleReconnect();
      return;
    }
    state.ws = ws;
    state.ready = false;
    ws.addEventListener("open", () => {
      const hello = { type: "hello", locale };
      const session = storage(KEY);
      if (session) hello.session_id = session;
      ws.send(JSON.stringify(hello));
    });
    ws.addEventListener("message", (event) => {
      if (ws !== state.ws) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      if (frame && typeof frame === "object") handleFrame(frame);
    });
    ws.addEventListener("close", () => {
      if (ws !== state.ws) return; // a socket we replaced on purpose
      state.ws = null;
      state.ready = false;
      ui.typing.hidden = true;
      if (ui.host.dataset.connection !== "offline") setOffline(true);
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (state.timer) return;
    const ceiling = Math.min(15000, 500 * 2 ** state.attempts);
    state.attempts += 1;
    state.timer = setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
  }

  function reconnectNow() {
    state.attempts = 0;
    if (state.ws && state.ws.readyState <= WebSocket.OPEN) return;
    connect();
  }

  function handleFrame(frame) {
    if (frame.type === "hello") {
      state.ready = true;
      state.attempts = 0;
      if (ui.host.dataset.connection !== "online") setOffline(false);
      if (typeof frame.session_id === "string" && frame.session_id) storage(KEY, frame.session_id);
      renderHistory(frame.resumed ? frame.history : []);
      if (state.note) addNote(state.note);
      state.note = null;
      const queued = state.outbox;
      state.outbox = [];
      queued.forEach((item) => {
        addUserMessage(item.text, { photo: item.photo });
        state.ws.send(JSON.stringify(item.frame));
      });
    } else if (frame.type === "typing") {
      const stick = nearBottom();
      ui.typing.hidden = !frame.on;
      if (frame.on && stick) scrollToEnd();
    } else if (frame.type === "reply") {
      addBotReply(frame, true, true);
      fire("message", { role: "bot", text: str(frame.text), reply: frame });
    } else if (frame.type === "error") addNote(str(frame.message || frame.code));
  }

  function submit(frame, shown, photo) {
    clearQuickReplies();
    if (state.ws && state.ready && state.ws.readyState === WebSocket.OPEN) {
      addUserMessage(shown, { photo });
      state.ws.send(JSON.stringify(frame));
    } else {
      state.outbox.push({ frame, text: shown, photo });
      addUserMessage(shown, { pending: true, photo });
    }
    fire("message", { role: "user", text: shown });
  }

  function restart(note) {
    storage(KEY, null);
    state.outbox = [];
    state.note = note || null;
    ui.log.replaceChildren();
    ui.typing.hidden = true;
    updateIntro();
    const old = state.ws;
    state.ws = null; // its close event is now ignored
    if (old) old.close();
    state.attempts = 0;
    connect();
  }

  function eraseData() {
    const id = storage(KEY);
    const done = () => {
      confirmBar(false);
      restart(t("deleted"));
      focusInput();
    };
    if (!id) return done();
    fetch(SERVER + "/api/v1/sessions/" + encodeURIComponent(id), { method: "DELETE", credentials: "omit" })
      .then((r) => (r.ok || r.status === 404 ? done() : r.json().then((body) => Promise.reject(body))))
      .catch((err) => {
        confirmBar(false);
        addNote(t("delete_failed", { reason: reasonOf(err) }));
      });
  }

  function reasonOf(err) {
    return (err && err.error && err.error.message) || (err && err.message) || String(err);
  }

  /** "Download my data": the server's export of this conversation, saved as a JSON file. */
  function downloadData() {
    fetch(SERVER + "/api/v1/sessions/" + encodeURIComponent(storage(KEY) || "-"), { credentials: "omit" })
      .then((r) => r.json().then((body) => (r.ok ? body : Promise.reject(body))))
      .then((body) => {
        const a = ui.root.appendChild(el("a"));
        a.href = URL.createObjectURL(new Blob([JSON.stringify(body, null, 2)], { type: "application/json" }));
        a.download = "vita-conversation.json";
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      })
      .catch((err) => addNote(t("download_failed", { reason: reasonOf(err) })));
  }

  function privacyPanel(show) {
    ui.privacy.hidden = !show;
    if (show) ui.privacyClose.focus();
    else focusInput();
  }

  // ------------------------------------------------------------------ images

  function pickImage(file) {
    if (!file) return;
    if (!IMAGE_TYPES.includes(file.type)) return addNote(t("image_type"));
    if (file.size > limits.max_image_bytes) {
      const mb = (n) => (n / 1048576).toFixed(1) + " MB";
      return addNote(t("image_too_large", { size: mb(file.size), limit: mb(limits.max_image_bytes) }));
    }
    clearImage();
    state.pending = { file, url: URL.createObjectURL(file) };
    ui.previewImg.src = state.pending.url;
    ui.previewName.textContent = file.name || t("photo_alt");
    ui.preview.hidden = false;
  }

  function clearImage() {
    state.pending = null;
    ui.preview.hidden = true;
    ui.previewImg.removeAttribute("src");
    ui.file.value = "";
    ui.camera.value = "";
  }

  function readAsDataUrl(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
  }

  function sendComposer() {
    const text = ui.input.value.trim();
    const pending = state.pending;
    if (!text && !pending) return;
    ui.input.value = "";
    autosize();
    if (!pending) return submit({ type: "message", text }, text);
    clearImage();
    state.photo = pending.url;
    readAsDataUrl(pending.file).then(
      (dataUrl) => submit({ type: "message", text, image: { data: dataUrl, mime: pending.file.type } }, text, pending.url),
      () => addNote(t("image_type"))
    );
  }

  // ------------------------------------------------------------------ open, close, focus

  function focusInput() {
    if (!ui.notice.hidden) ui.noticeButton.focus();
    else ui.input.focus();
  }

  function focusables() {
    return Array.from(ui.panel.querySelectorAll(FOCUSABLE)).filter((n) => !n.disabled && n.getClientRects().length);
  }

  function open(auto) {
    if (!ui) return early.push(open);
    if (state.open) return;
    state.open = true;
    ui.panel.hidden = false;
    ui.root.classList.add("vw--open");
    ui.launcher.setAttribute("aria-expanded", "true");
    scrollToEnd();
    if (!(auto === true && INLINE)) focusInput(); // an inline chat never steals focus on load
    fire("open", {});
  }

  function close() {
    if (!ui) return early.push(close);
    if (!state.open || INLINE) return;
    state.open = false;
    ui.panel.hidden = true;
    ui.root.classList.remove("vw--open");
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.focus();
    fire("close", {});
  }

  function onPanelKey(event) {
    if (INLINE) return;
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "Tab") {
      // keep focus inside the open panel (a modal dialog)
      const items = focusables();
      if (!items.length) return;
      const active = ui.shadow.activeElement;
      const i = items.indexOf(active);
      if (event.shiftKey && i <= 0) {
        event.preventDefault();
        items[items.length - 1].focus();
      } else if (!event.shiftKey && (i === -1 || i === items.length - 1)) {
        event.preventDefault();
        items[0].focus();
      }
    }
  }

  function confirmBar(show) {
    ui.confirm.hidden = !show;
    if (show) ui.confirmNo.focus();
  }

  function autosize() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight, 140) + "px";
  }

  // ------------------------------------------------------------------ building the widget

  function build() {
    const host = document.createElement("vita-chat");
    host.dataset.mode = INLINE ? "inline" : "floating";
    host.dataset.connection = "connecting"; // then online / offline: for tests and host pages
    let container = null;
    try {
      container = INLINE ? document.querySelector(data.container) : null;
    } catch (_) {
      /* not a valid selector: reported below */
    }
    if (INLINE && !container) console.warn("Vita: data-container " + data.container + " not found");
    (container || document.body).appendChild(host);
    const shadow = host.attachShadow({ mode: "open" });
    const css = shadow.appendChild(el("link"));
    css.rel = "stylesheet";
    css.href = CSS_URL;

    const theme = ["light", "dark"].includes(data.theme) ? data.theme : "auto";
    const pos = data.position === "left" ? "left" : "right";
    const root = shadow.appendChild(el("div", "vw vw--" + (INLINE ? "inline" : "floating") + " vw--" + pos));
    root.hidden = true; // until widget.css is in, so the page never shows it unstyled
    const reveal = () => (root.hidden = false);
    css.addEventListener("load", reveal);
    css.addEventListener("error", reveal);
    const dark = window.matchMedia ? matchMedia("(prefers-color-scheme: dark)") : null;
    const applyTheme = () => root.classList.toggle("vw--dark", theme === "dark" || (theme === "auto" && Boolean(dark && dark.matches)));
    applyTheme();
    if (dark && dark.addEventListener) dark.addEventListener("change", applyTheme);

    const title = data.title || t("title");
    const launcher = root.appendChild(button("vw-launcher", t("launcher"), () => (state.open ? close() : open()), "chat"));
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "vw-panel");
    if (INLINE) launcher.hidden = true;

    const panel = root.appendChild(el("div", "vw-panel"));
    panel.id = "vw-panel";
    panel.setAttribute("role", INLINE ? "region" : "dialog");
    panel.setAttribute("aria-labelledby", "vw-title");
    if (!INLINE) panel.setAttribute("aria-modal", "true");
    panel.hidden = !INLINE;
    panel.addEventListener("keydown", onPanelKey);

    const head = panel.appendChild(el("div", "vw-head"));
    head.appendChild(el("span", "vw-head__mark")).appendChild(icon("chat"));
    const titles = head.appendChild(el("div", "vw-head__titles"));
    titles.appendChild(el("h2", "vw-head__title", title)).id = "vw-title";
    titles.appendChild(el("p", "vw-head__tagline", t("tagline")));
    if (!INLINE) {
      const x = head.appendChild(button("vw-btn--icon vw-head__close", "", close, "close"));
      x.setAttribute("aria-label", t("close_label"));
    }
    const tools = panel.appendChild(el("div", "vw-tools"));
    tools.appendChild(button("vw-btn--small vw-new", t("new_conversation"), () => (restart(), focusInput())));
    tools.appendChild(button("vw-btn--small vw-delete", t("delete_data"), () => confirmBar(true)));
    tools.appendChild(button("vw-btn--small vw-privacy-open", t("privacy"), () => privacyPanel(true)));

    const confirm = panel.appendChild(el("div", "vw-confirm"));
    confirm.setAttribute("role", "group");
    confirm.setAttribute("aria-labelledby", "vw-confirm-text");
    confirm.hidden = true;
    confirm.appendChild(el("p", null, t("delete_confirm"))).id = "vw-confirm-text";
    confirm.appendChild(button("vw-btn--danger", t("delete_yes"), eraseData));
    const confirmNo = confirm.appendChild(button("", t("delete_no"), () => (confirmBar(false), focusInput())));

    const privacy = panel.appendChild(el("section", "vw-privacy"));
    privacy.setAttribute("aria-labelledby", "vw-privacy-title");
    privacy.hidden = true;
    privacy.appendChild(el("h3", null, PRIVACY.title)).id = "vw-privacy-title";
    (PRIVACY.paragraphs || []).forEach((text) => privacy.appendChild(el("p", null, text)));
    const privacyRow = privacy.appendChild(el("div", "vw-privacy__row"));
    privacyRow.appendChild(button("vw-btn--small vw-download", t("download_data"), downloadData));
    const privacyClose = privacyRow.appendChild(button("vw-btn--small", t("privacy_close"), () => privacyPanel(false)));

    const banner = panel.appendChild(el("div", "vw-banner"));
    banner.setAttribute("role", "status");
    banner.hidden = true;
    banner.appendChild(el("span", null, t("offline")));
    banner.appendChild(button("vw-btn--small", t("retry"), reconnectNow));

    // the scroller is focusable so keyboard users can scroll it; the log inside is the live region
    const body = panel.appendChild(el("div", "vw-body"));
    body.tabIndex = 0;
    body.setAttribute("role", "region");
    body.setAttribute("aria-label", t("log_label"));
    const log = body.appendChild(el("div", "vw-log"));
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    const intro = body.appendChild(el("p", "vw-intro", t("intro")));
    const typing = body.appendChild(el("div", "vw-typing"));
    typing.hidden = true;
    typing.appendChild(el("span", "vw-typing__dots")).append(el("span"), el("span"), el("span"));
    typing.appendChild(el("span", null, t("typing")));

    const notice = panel.appendChild(el("section", "vw-notice"));
    notice.setAttribute("aria-labelledby", "vw-notice-title");
    notice.appendChild(el("h3", null, t("notice_title"))).id = "vw-notice-title";
    ["notice_is", "notice_is_not", "notice_privacy"].forEach((k) => notice.appendChild(el("p", null, t(k))));
    const noticeButton = notice.appendChild(button("vw-btn--primary", t("notice_accept"), () => {
      storage(NOTICE_KEY, "1");
      notice.hidden = true;
      form.hidden = false;
      ui.input.focus();
    }));

    const form = panel.appendChild(el("form", "vw-composer"));
    form.setAttribute("autocomplete", "off");
    const preview = form.appendChild(el("div", "vw-preview"));
    preview.hidden = true;
    const previewImg = preview.appendChild(el("img", "vw-preview__img"));
    previewImg.alt = t("photo_alt");
    const previewName = preview.appendChild(el("span", "vw-preview__name"));
    preview.appendChild(button("vw-btn--icon", "", clearImage, "close")).setAttribute("aria-label", t("photo_remove"));
    const row = form.appendChild(el("div", "vw-composer__row"));
    const fileInput = (capture) => {
      const input = row.appendChild(el("input", "vw-vh"));
      input.type = "file";
      input.accept = IMAGE_TYPES.join(",");
      input.tabIndex = -1;
      input.setAttribute("aria-hidden", "true");
      if (capture) input.setAttribute("capture", "environment");
      input.addEventListener("change", () => pickImage(input.files && input.files[0]));
      return input;
    };
    const file = fileInput(false);
    const camera = fileInput(true);
    row.appendChild(button("vw-btn--icon vw-attach", "", () => file.click(), "photo")).setAttribute("aria-label", t("attach"));
    const cam = row.appendChild(button("vw-btn--icon vw-camera", "", () => camera.click(), "camera"));
    cam.setAttribute("aria-label", t("camera"));
    const label = row.appendChild(el("label", "vw-vh", t("input_label")));
    label.htmlFor = "vw-input";
    const input = row.appendChild(el("textarea", "vw-input"));
    input.id = "vw-input";
    input.rows = 1;
    input.maxLength = limits.max_message_chars;
    input.placeholder = t("placeholder");
    input.setAttribute("enterkeyhint", "send");
    const send = row.appendChild(button("vw-btn--primary vw-send", t("send"), null, "send"));
    send.type = "submit";
    panel.appendChild(el("p", "vw-foot", t("disclaimer")));
    const drop = panel.appendChild(el("div", "vw-drop", t("drop_here")));
    drop.hidden = true;

    form.addEventListener("submit", (e) => {
      e.preventDefault();
      sendComposer();
      input.focus();
    });
    input.addEventListener("keydown", (e) => {
      // Enter sends, Shift+Enter adds a line; never send half-composed IME input
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    input.addEventListener("input", autosize);
    input.addEventListener("paste", (e) => {
      const files = Array.from((e.clipboardData && e.clipboardData.files) || []).filter((f) => /^image\//.test(f.type));
      if (files.length) {
        e.preventDefault();
        pickImage(files[0]);
      }
    });
    let depth = 0;
    panel.addEventListener("dragenter", (e) => {
      if (!e.dataTransfer || !Array.from(e.dataTransfer.types).includes("Files")) return;
      depth += 1;
      drop.hidden = false;
    });
    panel.addEventListener("dragleave", () => {
      depth = Math.max(0, depth - 1);
      if (!depth) drop.hidden = true;
    });
    panel.addEventListener("dragover", (e) => e.preventDefault());
    panel.addEventListener("drop", (e) => {
      e.preventDefault();
      depth = 0;
      drop.hidden = true;
      pickImage(e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0]);
    });

    const seen = storage(NOTICE_KEY) === "1";
    notice.hidden = seen;
    form.hidden = !seen;
    ui = { host, shadow, root, launcher, panel, banner, confirm, confirmNo, privacy, privacyClose, body, log, intro, typing, notice, noticeButton, form };
    Object.assign(ui, { preview, previewImg, previewName, file, camera, input });
    updateIntro();
  }

  // ------------------------------------------------------------------ events and the public API

  function fire(name, detail) {
    (listeners[name] || []).slice().forEach((fn) => {
      try {
        fn(detail);
      } catch (err) {
        console.error(err); // a listener's bug must not break the widget
      }
    });
    window.dispatchEvent(new CustomEvent("vita:" + name, { detail }));
  }

  function loadConfig(attempt) {
    const url = SERVER + "/api/v1/widget/config?locale=" + encodeURIComponent(locale);
    return fetch(url, { credentials: "omit" })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status))))
      .catch((err) => {
        const delay = Math.min(30000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
        console.warn("Vita: cannot load " + url + " (" + err + "); retrying");
        return new Promise((resolve) => setTimeout(resolve, delay)).then(() => loadConfig(attempt + 1));
      });
  }

  function start() {
    loadConfig(0).then((cfg) => {
      S = (cfg && cfg.strings) || {};
      PRIVACY = (cfg && cfg.privacy) || PRIVACY;
      limits = Object.assign(limits, (cfg && cfg.limits) || {});
      version = str(cfg && cfg.version);
      build();
      connect();
      window.addEventListener("online", reconnectNow);
      if (INLINE || (data.open !== undefined && data.open !== "false")) open(true);
      early.splice(0).forEach((fn) => fn());
      fire("ready", { version, session_id: storage(KEY) });
    });
  }

  window.Vita = Object.freeze({
    get version() {
      return version || "loading";
    },
    open,
    close,
    toggle: () => (state.open ? close() : open()),
    isOpen: () => state.open,
    send(text) {
      const clean = String(text === null || text === undefined ? "" : text).trim();
      if (!clean) return false;
      if (!ui) early.push(() => submit({ type: "message", text: clean }, clean));
      else submit({ type: "message", text: clean }, clean);
      return true;
    },
    newConversation: () => (ui ? restart() : early.push(restart)),
    sessionId: () => storage(KEY),
    on(name, fn) {
      (listeners[name] = listeners[name] || []).push(fn);
    },
    off(name, fn) {
      listeners[name] = (listeners[name] || []).filter((f) => f !== fn);
    },
  });

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
