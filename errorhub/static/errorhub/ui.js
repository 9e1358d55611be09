/* ErrorHub dashboard: relative times stay fresh, and their exact instant shows in the reader's timezone on hover.
   Served from 'self' under the strict CSP (no inline script). */
(function () {
  "use strict";
  var UNITS = [[31536000, "y"], [2592000, "mo"], [604800, "w"], [86400, "d"], [3600, "h"], [60, "min"]];

  function phrase(seconds) {
    var ahead = seconds < 0, s = Math.abs(seconds);
    if (s < 45) return "just now";
    for (var i = 0; i < UNITS.length; i++) {
      if (s >= UNITS[i][0]) {
        var n = Math.floor(s / UNITS[i][0]);
        return ahead ? "in " + n + " " + UNITS[i][1] : n + " " + UNITS[i][1] + " ago";
      }
    }
    return ahead ? "in 1 min" : "1 min ago";
  }

  // The profile's zone (data-tz) when the user chose one, else the browser's own.
  function exactLocal(date, profileZone) {
    var options = {
      year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
      timeZoneName: "short"
    };
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    if (profileZone && profileZone !== "UTC") { options.timeZone = profileZone; zone = profileZone; }
    try { return date.toLocaleString(undefined, options) + (zone ? " (" + zone + ")" : ""); }
    catch (e) { return date.toISOString(); }
  }

  function refresh(root) {
    var nodes = (root || document).querySelectorAll("time.rel[datetime]");
    var now = Date.now();
    for (var i = 0; i < nodes.length; i++) {
      var date = new Date(nodes[i].getAttribute("datetime"));
      if (isNaN(date.getTime())) continue;
      nodes[i].textContent = phrase(Math.round((now - date.getTime()) / 1000));
      nodes[i].title = exactLocal(date, nodes[i].getAttribute("data-tz"));
    }
  }

  window.ErrorHubTimes = { refresh: refresh };
  document.addEventListener("DOMContentLoaded", function () { refresh(document); });
  document.addEventListener("htmx:afterSwap", function (ev) { refresh(ev.target); });
  setInterval(function () { refresh(document); }, 60000);
})();
