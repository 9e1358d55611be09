// The issue search box: autocomplete (ARIA combobox + listbox), the help pop-over's
// Escape, and saving the query as typed. No inline script (strict CSP): loaded by
// templates/dashboard/_search.html.
(function () {
  "use strict";

  function setup() {
    var input = document.getElementById("search-query");
    var list = document.getElementById("search-suggestions");
    if (!input || !list) return;
    var url = input.getAttribute("data-suggest-url");
    var items = [];
    var active = -1;
    var span = { start: 0, end: 0, kind: "key" };
    var seq = 0;
    var timer = null;

    function close() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      active = index;
      options.forEach(function (el, i) {
        el.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(body) {
      list.textContent = "";
      items = body.suggestions || [];
      span = { start: body.start, end: body.end, kind: body.kind };
      if (!items.length) {
        close();
        return;
      }
      items.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = "search-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var label = document.createElement("span");
        label.className = "label";
        label.textContent = s.label; // text, never HTML: values come from events
        li.appendChild(label);
        if (s.detail) {
          var detail = document.createElement("span");
          detail.className = "detail";
          detail.textContent = s.detail;
          li.appendChild(detail);
        }
        li.addEventListener("mousedown", function (e) {
          e.preventDefault(); // keep the focus in the input
          choose(i);
        });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    }

    function fetchSuggestions() {
      var mine = ++seq;
      var params = new URLSearchParams({ query: input.value, cursor: String(input.selectionStart || 0) });
      fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (mine !== seq || document.activeElement !== input) return;
          if (body) render(body); else close();
        })
        .catch(close);
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 120);
    }

    function choose(index) {
      var s = items[index];
      if (!s) return;
      var text = input.value;
      var tail = text.slice(span.end);
      var insert = s.text + (span.kind === "value" && !/^\s/.test(tail) ? " " : "");
      input.value = text.slice(0, span.start) + insert + tail;
      var caret = span.start + insert.length;
      input.setSelectionRange(caret, caret);
      input.focus();
      close();
      if (span.kind === "key") fetchSuggestions(); // now offer the key's values
    }

    input.addEventListener("input", schedule);
    input.addEventListener("blur", function () { setTimeout(close, 100); });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden && items.length > 0;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (!open) { fetchSuggestions(); return; }
        highlight((active + 1) % items.length);
      } else if (e.key === "ArrowUp" && open) {
        e.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (e.key === "Enter" && open && active >= 0) {
        e.preventDefault(); // pick the suggestion, do not submit yet
        choose(active);
      } else if (e.key === "Escape" && open) {
        e.preventDefault();
        close();
      }
    });

    var help = document.getElementById("search-help");
    if (help) {
      help.addEventListener("keydown", function (e) {
        if (e.key === "Escape" && help.open) {
          help.open = false;
          help.querySelector("summary").focus();
        }
      });
    }

    var save = document.getElementById("save-search");
    if (save) {
      save.addEventListener("submit", function () {
        save.querySelector("input[name=query]").value = input.value; // the query as typed
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
