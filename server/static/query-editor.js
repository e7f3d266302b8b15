/* The query page's editor: syntax highlighting, the error marked at its
 * line and column, completion of prefixes, dip: terms (by name or label)
 * and entities (by label, through /search.json), copy buttons for full
 * IRIs, and the table/chart switch kept in the URL. The page works without
 * this script; it loads nothing from another host. */
(function () {
  "use strict";

  var KEYWORDS = ("BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED GRAPH OPTIONAL UNION MINUS FILTER BIND VALUES " +
    "SERVICE SILENT EXISTS NOT IN AS DISTINCT REDUCED ORDER BY ASC DESC LIMIT OFFSET GROUP HAVING UNDEF A TRUE FALSE " +
    "COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL " +
    "FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY " +
    "HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM " +
    "ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE LATERAL").split(" ");
  var KEYWORD_SET = {};
  KEYWORDS.forEach(function (k) { KEYWORD_SET[k] = true; });

  var TOKEN = new RegExp([
    "(#[^\\n]*)",                                                     // 1 comment
    "('''[\\s\\S]*?(?:'''|$)|\"\"\"[\\s\\S]*?(?:\"\"\"|$)|'(?:[^'\\\\\\n]|\\\\.)*'?|\"(?:[^\"\\\\\\n]|\\\\.)*\"?)", // 2 string
    "(<[^<>\"{}|^`\\\\\\s]*>)",                                       // 3 IRI
    "([?$][\\w\\u00B7-\\uFFFF]+)",                                    // 4 variable
    "(@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",                                 // 5 language tag
    "((?:[A-Za-z_\\u00C0-\\uFFFF][\\w.\\-\\u00C0-\\uFFFF]*)?:(?:[\\w\\u00C0-\\uFFFF:%\\-.\\\\]*[\\w\\u00C0-\\uFFFF:%\\-\\\\])?)", // 6 prefixed name
    "([A-Za-z_][A-Za-z0-9_]*)",                                       // 7 word
    "(\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)"                            // 8 number
  ].join("|"), "g");
  var CLASSES = [null, "t-comment", "t-string", "t-iri", "t-var", "t-lang", "t-pname", "t-word", "t-number"];

  function esc(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  /* Tokens of the text as [start, end, class]; gaps are plain text. */
  function tokens(text) {
    var out = [], m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      if (m[0] === "") { TOKEN.lastIndex++; continue; }
      for (var g = 1; g < CLASSES.length; g++) {
        if (m[g] !== undefined) {
          var cls = CLASSES[g];
          if (cls === "t-word") cls = KEYWORD_SET[m[0].toUpperCase()] ? "t-keyword" : "t-plain";
          out.push([m.index, m.index + m[0].length, cls]);
          break;
        }
      }
    }
    return out;
  }

  /* Highlighted HTML of the text; the character at `mark` (an offset) is wrapped as the error. */
  function highlight(text, mark) {
    var html = "", pos = 0;
    function piece(start, end, cls) {
      if (start >= end) return;
      var wrap = function (s) { return cls ? '<span class="' + cls + '">' + esc(s) + "</span>" : esc(s); };
      if (mark !== null && mark >= start && mark < end) {
        var ch = text.charAt(mark) === "\n" ? " " : text.charAt(mark);
        html += wrap(text.slice(start, mark)) + '<span class="err-mark">' + (cls ? '<span class="' + cls + '">' : "") + esc(ch) +
          (cls ? "</span>" : "") + "</span>" + (text.charAt(mark) === "\n" ? "\n" : "");
        html += wrap(text.slice(mark + 1, end));
      } else {
        html += wrap(text.slice(start, end));
      }
    }
    tokens(text).forEach(function (t) { piece(pos, t[0], null); piece(t[0], t[1], t[2]); pos = t[1]; });
    piece(pos, text.length, null);
    if (mark !== null && mark >= text.length) html += '<span class="err-mark"> </span>';
    return html + "\n";
  }

  function offsetOf(text, line, column) {
    var lines = text.split("\n"), offset = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    return offset + Math.max(0, column - 1);
  }

  function Editor(box, data) {
    var self = this;
    this.box = box;
    this.area = box.querySelector("textarea");
    this.data = data;
    this.errorLine = parseInt(box.getAttribute("data-error-line") || "0", 10) || 0;
    this.errorColumn = parseInt(box.getAttribute("data-error-column") || "0", 10) || 0;
    this.items = [];
    this.active = -1;
    this.searchSeq = 0;

    box.classList.add("enhanced");
    box.closest("#query-editor").classList.add("js");
    this.area.setAttribute("wrap", "off");
    this.pre = document.createElement("pre");
    this.pre.className = "hl";
    this.pre.setAttribute("aria-hidden", "true");
    this.code = document.createElement("code");
    this.pre.appendChild(this.code);
    box.insertBefore(this.pre, this.area);
    this.band = document.createElement("div");
    this.band.className = "err-band";
    box.appendChild(this.band);
    this.list = document.createElement("ul");
    this.list.className = "completions";
    this.list.id = "query-completions";
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", "Completions");
    this.list.hidden = true;
    box.appendChild(this.list);
    this.area.setAttribute("role", "combobox");
    this.area.setAttribute("aria-autocomplete", "list");
    this.area.setAttribute("aria-controls", this.list.id);
    this.area.setAttribute("aria-expanded", "false");

    this.area.addEventListener("input", function () {
      if (self.errorLine) { self.errorLine = 0; box.classList.remove("has-error"); }
      self.render();
      self.complete(false);
    });
    this.area.addEventListener("scroll", function () { self.sync(); });
    this.area.addEventListener("keydown", function (e) { self.key(e); });
    this.area.addEventListener("blur", function () { setTimeout(function () { self.close(); }, 150); });
    this.area.addEventListener("click", function () { self.close(); });
    this.list.addEventListener("mousedown", function (e) {
      var li = e.target.closest("li");
      if (li) { e.preventDefault(); self.accept(parseInt(li.getAttribute("data-index"), 10)); }
    });
    this.render();
  }

  Editor.prototype.metrics = function () {
    var style = getComputedStyle(this.area);
    if (!this.charWidth) {
      var probe = document.createElement("span");
      probe.textContent = "MMMMMMMMMM";
      probe.style.cssText = "position:absolute;visibility:hidden;white-space:pre;font:" + style.font;
      document.body.appendChild(probe);
      this.charWidth = probe.getBoundingClientRect().width / 10;
      probe.remove();
    }
    return {
      line: parseFloat(style.lineHeight) || 20,
      top: parseFloat(style.paddingTop) + parseFloat(style.borderTopWidth),
      left: parseFloat(style.paddingLeft) + parseFloat(style.borderLeftWidth),
      ch: this.charWidth
    };
  };

  Editor.prototype.render = function () {
    var text = this.area.value;
    var mark = this.errorLine ? offsetOf(text, this.errorLine, this.errorColumn) : null;
    this.code.innerHTML = highlight(text, mark);
    this.sync();
  };

  Editor.prototype.sync = function () {
    this.code.style.transform = "translate(" + (-this.area.scrollLeft) + "px," + (-this.area.scrollTop) + "px)";
    if (this.errorLine) {
      var m = this.metrics();
      this.band.style.display = "block";
      this.band.style.top = (m.top + (this.errorLine - 1) * m.line - this.area.scrollTop) + "px";
      this.band.style.height = m.line + "px";
    } else {
      this.band.style.display = "none";
    }
  };

  /* What is being typed at the cursor: a prefixed name, a word, or nothing. */
  Editor.prototype.context = function () {
    var pos = this.area.selectionStart, before = this.area.value.slice(0, pos);
    var last = tokens(before).pop();
    if (last && last[1] === pos && /t-comment|t-string|t-var|t-lang/.test(last[2])) return null;
    if (last && last[2] === "t-iri" && last[1] === pos) return null;
    var m = before.match(/([A-Za-z_][\w.\-]*)?:([\w.\-%]*)$/);
    if (m) return { kind: "pname", prefix: m[1] || "", local: m[2], start: pos - m[0].length, end: pos };
    m = before.match(/[A-Za-z\u00C0-\uFFFF][\w\u00C0-\uFFFF\-]*$/);
    if (m) {
      var prev = before.charAt(pos - m[0].length - 1);
      if (prev === "?" || prev === "$" || prev === "<" || prev === "@") return null;
      return { kind: "word", word: m[0], start: pos - m[0].length, end: pos };
    }
    return null;
  };

  Editor.prototype.complete = function (forced) {
    var self = this, ctx = this.context();
    this.searchSeq++;  // whatever a search under way finds is now stale
    clearTimeout(this.timer);
    if (!ctx) return this.close();
    var items = [];
    if (ctx.kind === "pname") {
      if (ctx.prefix === "dip") {
        var q = ctx.local.toLowerCase(), starts = [], contains = [];
        this.data.terms.forEach(function (t) {
          var local = t.name.slice(4).toLowerCase(), label = (t.label || "").toLowerCase();
          var item = { main: t.name, note: (t.label && t.label.toLowerCase() !== local ? t.label + " · " : "") + t.kind +
                       (t.definition ? " · " + t.definition : ""), title: t.definition, insert: t.name };
          if (!q || local.indexOf(q) === 0 || label.indexOf(q) === 0) starts.push(item);
          else if (local.indexOf(q) >= 0 || label.indexOf(q) >= 0) contains.push(item);
        });
        items = starts.concat(contains).slice(0, 40);
      }
      return this.show(items, ctx);
    }
    var word = ctx.word, upper = word.toUpperCase();
    Object.keys(this.data.prefixes).forEach(function (p) {
      if (p.indexOf(word.toLowerCase()) === 0) items.push({ main: p + ":", note: self.data.prefixes[p], insert: p + ":", again: true });
    });
    var keywordish = KEYWORDS.some(function (k) { return k.indexOf(upper) === 0; });
    this.show(items, ctx);
    if (word.length >= 3 && (forced || !keywordish)) this.search(word, ctx, items);
  };

  Editor.prototype.search = function (word, ctx, first) {
    var self = this, seq = ++this.searchSeq;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () {
      fetch("/search.json?q=" + encodeURIComponent(word), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          if (seq !== self.searchSeq) return;
          var now = self.context();
          if (!now || now.kind !== "word" || now.start !== ctx.start) return;
          var found = (data.results || []).slice(0, 12).map(function (h) {
            var type = (h.types || [])[0] || "";
            return { main: h.label, note: type.replace(/^.*[\/#]/, "") + " · " + h.iri.replace(/^.*\/id\//, "id:"),
                     title: h.iri, insert: "<" + h.iri + ">", entity: true };
          });
          self.show(first.concat(found), now);
        })
        .catch(function () { /* completion is a help; the query still runs */ });
    }, 150);
  };

  Editor.prototype.show = function (items, ctx) {
    this.items = items;
    this.ctx = ctx;
    this.active = items.length ? 0 : -1;
    if (!items.length) return this.close();
    var html = "";
    items.forEach(function (it, i) {
      html += '<li role="option" id="qc-' + i + '" data-index="' + i + '"' + (i === 0 ? ' aria-selected="true"' : "") +
        (it.title ? ' title="' + esc(it.title).replace(/"/g, "&quot;") + '"' : "") + (it.entity ? ' class="entity"' : "") +
        '><span class="c-main">' + esc(it.main) + '</span> <span class="c-note">' + esc(it.note || "") + "</span></li>";
    });
    this.list.innerHTML = html;
    var m = this.metrics(), text = this.area.value.slice(0, ctx.start), lines = text.split("\n");
    var col = lines[lines.length - 1].length;
    this.list.style.top = (m.top + lines.length * m.line - this.area.scrollTop + 2) + "px";
    this.list.style.left = Math.max(0, Math.min(m.left + col * m.ch - this.area.scrollLeft, this.area.clientWidth - 320)) + "px";
    this.list.hidden = false;
    this.area.setAttribute("aria-expanded", "true");
    this.area.setAttribute("aria-activedescendant", "qc-0");
  };

  Editor.prototype.close = function () {
    this.list.hidden = true;
    this.items = [];
    this.active = -1;
    this.area.setAttribute("aria-expanded", "false");
    this.area.removeAttribute("aria-activedescendant");
  };

  Editor.prototype.move = function (step) {
    if (!this.items.length) return;
    var lis = this.list.querySelectorAll("li");
    lis[this.active].removeAttribute("aria-selected");
    this.active = (this.active + step + this.items.length) % this.items.length;
    lis[this.active].setAttribute("aria-selected", "true");
    lis[this.active].scrollIntoView({ block: "nearest" });
    this.area.setAttribute("aria-activedescendant", "qc-" + this.active);
  };

  Editor.prototype.accept = function (index) {
    var it = this.items[index], ctx = this.ctx;
    if (!it) return;
    this.area.focus();
    this.area.setSelectionRange(ctx.start, this.area.selectionStart);
    this.area.setRangeText(it.insert, ctx.start, this.area.selectionEnd, "end");
    this.close();
    this.render();
    if (it.again) this.complete(true);
  };

  Editor.prototype.key = function (e) {
    var open = !this.list.hidden && this.items.length;
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); this.area.form.requestSubmit(); return; }
    if (e.ctrlKey && (e.key === " " || e.code === "Space")) { e.preventDefault(); this.complete(true); return; }
    if (!open) return;
    if (e.key === "ArrowDown") { e.preventDefault(); this.move(1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); this.move(-1); }
    else if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); this.accept(this.active); }
    else if (e.key === "Escape") { e.preventDefault(); this.close(); }
  };

  function copyText(text, button) {
    var done = function () { var was = button.textContent; button.textContent = "copied"; setTimeout(function () { button.textContent = was; }, 1200); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else { fallbackCopy(text); done(); }
  }

  function fallbackCopy(text) {
    var t = document.createElement("textarea");
    t.value = text;
    t.style.cssText = "position:fixed;left:-9999px";
    document.body.appendChild(t);
    t.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    t.remove();
  }

  function copyButtons() {
    document.querySelectorAll(".result-table [data-iri]").forEach(function (el) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "copy-iri";
      b.textContent = "copy";
      b.title = "Copy <" + el.getAttribute("data-iri") + "> for a query";
      b.setAttribute("aria-label", "Copy the full IRI " + el.getAttribute("data-iri"));
      b.addEventListener("click", function () { copyText("<" + el.getAttribute("data-iri") + ">", b); });
      el.after(b);
    });
    var link = document.querySelector("a.permalink");
    if (link) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "copy-link";
      b.textContent = "copy link";
      b.addEventListener("click", function () { copyText(link.href, b); });
      link.after(" ", b);
    }
  }

  function viewSwitch() {
    var tabs = document.querySelectorAll(".view-tabs a[data-view]");
    var radios = document.querySelectorAll('input[name="view"]');
    function choose(view, url) {
      document.querySelectorAll("[data-view-panel]").forEach(function (p) { p.hidden = p.getAttribute("data-view-panel") !== view; });
      tabs.forEach(function (t) { if (t.getAttribute("data-view") === view) t.setAttribute("aria-current", "page"); else t.removeAttribute("aria-current"); });
      radios.forEach(function (r) { r.checked = r.value === view; });
      var permalink = document.querySelector("a.permalink");
      if (url) {
        history.replaceState(null, "", url);
        if (permalink) permalink.href = url;
      }
    }
    tabs.forEach(function (t) {
      t.addEventListener("click", function (e) { e.preventDefault(); choose(t.getAttribute("data-view"), t.getAttribute("href")); });
    });
    radios.forEach(function (r) {
      r.addEventListener("change", function () {
        var tab = document.querySelector('.view-tabs a[data-view="' + r.value + '"]');
        if (tab) choose(r.value, tab.getAttribute("href"));
      });
    });
  }

  function start() {
    var box = document.querySelector("#query-editor .editor");
    var source = document.getElementById("query-completion");
    var data = { prefixes: {}, terms: [] };
    try { data = JSON.parse(source.textContent); } catch (e) { /* no completion data: highlighting still works */ }
    if (box) window.queryEditor = new Editor(box, data);
    copyButtons();
    viewSwitch();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
