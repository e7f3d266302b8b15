// Copy buttons for citations, without a framework. A button with
// data-copy="ID" copies the text of the element ID; one with
// data-copy-text copies that text. Buttons are hidden in the HTML and shown
// here, so a page without scripts shows the text, selectable, and no dead button.
//
// Also: a span IRI {article IRI}#char=s,e dereferenced in a browser lands on
// the article's entity page with the fragment; that page has no such anchor,
// so it goes on to the article view with the span marked (the link
// "Read the article" names it).
(function () {
  "use strict";
  var m = /^#char=(\d+),(\d+)$/.exec(window.location.hash);
  var read = document.querySelector('p.read a[href^="/article/"]');
  if (m && read && !document.getElementById(window.location.hash.slice(1))) {
    window.location.replace(read.getAttribute("href") + "?span=" + m[1] + "," + m[2] + window.location.hash);
  }
})();
(function () {
  "use strict";
  function textOf(button) {
    if (button.hasAttribute("data-copy-text")) return button.getAttribute("data-copy-text");
    var el = document.getElementById(button.getAttribute("data-copy"));
    return el ? el.textContent : "";
  }
  function select(button) {
    var el = document.getElementById(button.getAttribute("data-copy") || "");
    if (!el || !window.getSelection) return;
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  function done(button, label) {
    var was = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", was);
    button.textContent = label;
    window.setTimeout(function () { button.textContent = was; }, 2000);
  }
  function copy(button) {
    var text = textOf(button);
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(button, "Copied"); },
        function () { select(button); done(button, "Selected: press Ctrl+C"); });
    } else {
      select(button);
      done(button, "Selected: press Ctrl+C");
    }
  }
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copy(button); });
  });
})();
