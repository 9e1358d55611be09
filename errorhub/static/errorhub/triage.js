/* ErrorHub keyboard triage for the inbox and the issue list. A static file: the strict CSP allows no
   inline script.

   j / k move a visible focus row, Enter / o open it, x ticks it, a / r / s acknowledge, resolve or
   snooze the ticked issues (the focused one when none is ticked), / goes to the search box, ? opens
   the list of keys. Keys are ignored while the reader types in a field or a dialog is open.

   An action submits the page's own bulk form — the same CSRF-protected POST as its "Apply" button,
   so the server checks it the same way and a failure comes back with the selection kept. The
   focus position is remembered across that reload, so after resolving the third issue the focus is
   on the third row again (the next issue, when the resolved one has left the inbox). */
(function () {
  "use strict";
  var STORE = "errorhub:triage-focus";
  var SEARCH_NEXT = "errorhub:triage-search"; // "/" on a page without a search box: focus it on the next
  var AUTOFOCUS_SETTLE_MS = 500; // after load, a focus is the reader's, never the page's autofocus
  var STORE_MAX_AGE_MS = 60000; // an action's reload is seconds; anything older is a stale visit
  var form = null;
  var index = -1;
  var userActed = false;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#issue-rows tr[data-issue]"));
  }

  function checkboxes() {
    return Array.prototype.slice.call(form.querySelectorAll("input[name=issues]"));
  }

  // Typing in a text field (or choosing in a select) owns the keyboard; a ticked checkbox does not.
  function typing(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    if (el.tagName === "INPUT") return ["checkbox", "radio", "button", "submit", "reset"].indexOf(el.type) < 0;
    return false;
  }

  function setFocus(i) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(i, all.length - 1));
    all.forEach(function (row, n) {
      row.classList.toggle("kb-focus", n === index);
      if (n === index) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    all[index].scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    setFocus(index < 0 ? 0 : index + step);
  }

  function focusedRow() {
    return index < 0 ? null : rows()[index] || null;
  }

  function open() {
    var row = focusedRow();
    var link = row && row.querySelector("td.title a");
    if (link) window.location.assign(link.href);
  }

  function toggle() {
    var row = focusedRow();
    var box = row && row.querySelector("input[name=issues]");
    if (!box) return;
    box.checked = !box.checked;
    syncSelectAll();
  }

  function syncSelectAll() {
    var all = form.querySelector("[data-select-all]");
    if (!all) return;
    var boxes = checkboxes();
    var ticked = boxes.filter(function (b) { return b.checked; }).length;
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  function hasTarget() {
    return checkboxes().some(function (b) { return b.checked; }) || focusedRow() !== null;
  }

  // Tick the focused row when nothing is ticked, fill the bar and submit it as the button would.
  function act(action, extra) {
    if (!hasTarget()) return;
    if (!checkboxes().some(function (b) { return b.checked; })) {
      focusedRow().querySelector("input[name=issues]").checked = true;
    }
    form.elements.action.value = action;
    if (extra) {
      form.elements.reason.value = extra.reason;
      form.elements.hours.value = extra.hours;
    }
    try {
      sessionStorage.setItem(STORE, JSON.stringify({ index: Math.max(index, 0), at: Date.now() }));
    } catch (e) { /* storage refused (private mode): the action still runs, the focus starts over */ }
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  function askSnooze() {
    var dialog = document.getElementById("triage-snooze");
    if (!dialog || !hasTarget()) return;
    dialog.returnValue = "";
    dialog.showModal();
  }

  function onSnoozeClosed(ev) {
    var dialog = ev.target;
    if (dialog.returnValue !== "snooze") return;
    var fields = dialog.querySelector("form").elements;
    act("snooze", { reason: fields.snooze_reason.value, hours: fields.snooze_hours.value });
  }

  function search() {
    var box = document.querySelector("input[name=query]");
    if (box) {
      box.focus();
      box.select();
    } else if (form.getAttribute("data-search-url")) {
      try { sessionStorage.setItem(SEARCH_NEXT, String(Date.now())); } catch (e) { /* the box just is not focused */ }
      window.location.assign(form.getAttribute("data-search-url"));
    }
  }

  function help() {
    var dialog = document.getElementById("triage-help");
    if (dialog && !dialog.open) dialog.showModal();
  }

  var KEYS = {
    j: function () { move(1); },
    k: function () { move(-1); },
    o: open,
    Enter: open,
    x: toggle,
    a: function () { act("acknowledge"); },
    r: function () { act("resolve"); },
    s: askSnooze,
    "/": search,
    "?": help
  };

  function onKey(ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    if (document.querySelector("dialog[open]")) return;
    var target = ev.target;
    userActed = true;
    if (typing(target)) {
      if (ev.key === "Escape") target.blur(); // leave the field, and the keys work again
      return;
    }
    if (ev.key === "Enter" && (target.tagName === "A" || target.tagName === "BUTTON")) return;
    var handler = Object.prototype.hasOwnProperty.call(KEYS, ev.key) ? KEYS[ev.key] : null;
    if (!handler) return;
    ev.preventDefault();
    handler();
  }

  function restoreFocus() {
    var saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(STORE) || "null");
      sessionStorage.removeItem(STORE);
    } catch (e) { saved = null; }
    if (saved && typeof saved.index === "number" && Date.now() - saved.at < STORE_MAX_AGE_MS) setFocus(saved.index);
  }

  // The search box autofocuses for a visitor who came to search; on a list with rows the keys
  // should work at once, so the box gives that first, automatic focus back. Autofocus lands at the
  // browser's next rendering step, so this listens for it rather than guessing when; it listens
  // once, and only until the reader does anything (a key, a click, a tap) or the page has settled,
  // so a focus the reader (or their assistive technology) asks for is never taken away.
  function releaseAutofocus() {
    var box = document.querySelector("input[name=query]");
    if (!box) return;
    var asked = null;
    try {
      asked = sessionStorage.getItem(SEARCH_NEXT);
      sessionStorage.removeItem(SEARCH_NEXT);
    } catch (e) { asked = null; }
    if (asked && Date.now() - Number(asked) < STORE_MAX_AGE_MS) {
      userActed = true; // the reader pressed "/" on the page before: the box is where they want to be
      box.focus();
      return;
    }
    if (!rows().length) return;
    var stop = function () { box.removeEventListener("focus", giveBack); };
    var giveBack = function () {
      stop();
      if (!userActed && document.activeElement === box) box.blur();
    };
    if (document.activeElement === box) giveBack();
    else {
      box.addEventListener("focus", giveBack);
      window.addEventListener("load", function () { window.setTimeout(stop, AUTOFOCUS_SETTLE_MS); });
    }
  }

  function start() {
    form = document.querySelector("form[data-triage]");
    if (!form) return;
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.addEventListener("change", function () {
        checkboxes().forEach(function (b) { b.checked = all.checked; });
        syncSelectAll();
      });
    }
    form.addEventListener("change", function (ev) {
      if (ev.target.name === "issues") syncSelectAll();
    });
    rows().forEach(function (row, n) {
      row.addEventListener("click", function () { setFocus(n); });
    });
    var snooze = document.getElementById("triage-snooze");
    if (snooze) snooze.addEventListener("close", onSnoozeClosed);
    var helpButton = form.querySelector("[data-triage-help]");
    if (helpButton) helpButton.addEventListener("click", help);
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", function () { userActed = true; });
    syncSelectAll();
    restoreFocus();
    releaseAutofocus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
