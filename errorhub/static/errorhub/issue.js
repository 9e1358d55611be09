/* The issue page: the Snooze button opens its <dialog> as a modal (without JS it is a link that
   reloads the page with the dialog open); a dialog the server rendered open after a failed
   snooze becomes modal too; an open action menu closes on Escape or a click elsewhere.
   Served from 'self' (strict CSP: no inline script). */
(function () {
  "use strict";

  function modal(dialog) {
    if (!dialog || typeof dialog.showModal !== "function") return false;
    if (dialog.open) dialog.close();
    dialog.showModal();
    var first = dialog.querySelector("input:not([type=hidden]), textarea, select");
    if (first) first.focus();
    return true;
  }

  function closeMenus(except) {
    var menus = document.querySelectorAll(".action-bar details.menu[open]");
    for (var i = 0; i < menus.length; i++) if (menus[i] !== except) menus[i].removeAttribute("open");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var openers = document.querySelectorAll("[data-dialog]");
    for (var i = 0; i < openers.length; i++) {
      openers[i].addEventListener("click", function (ev) {
        if (modal(document.getElementById(this.getAttribute("data-dialog")))) ev.preventDefault();
      });
    }
    var reopen = document.querySelector("dialog[data-reopen][open]");
    if (reopen) modal(reopen);
    document.addEventListener("click", function (ev) {
      var inside = ev.target.closest ? ev.target.closest(".action-bar details.menu") : null;
      closeMenus(inside);
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") closeMenus(null);
    });
  });
})();
