/* Alert forms (templates/alerts/pages/): the rule form's live preview, and the channel form
   showing only the chosen kind's fields. Static under the strict CSP; without it both pages
   still work: the Preview button posts the form, and every kind's fields are shown. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  // Rule form: post the form as typed to the preview endpoint and show its fragment (the
  // server renders and escapes it; a 4xx fragment carries the form's errors). Only the
  // answer to the latest request is shown.
  function setupPreview(form) {
    var url = form.getAttribute("data-preview-url");
    var target = document.getElementById("rule-preview");
    if (!url || !target) return;
    var latest = 0;
    function refresh() {
      var mine = ++latest;
      var body = new FormData(form);
      body.delete("_preview");
      target.setAttribute("aria-busy", "true");
      fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          if (mine !== latest) return;
          target.innerHTML = html;
          target.removeAttribute("aria-busy");
          if (window.ErrorHubTimes) window.ErrorHubTimes.refresh(target);
        })
        .catch(function () {
          if (mine !== latest) return;
          target.removeAttribute("aria-busy");
          target.textContent = "The preview could not be loaded; the rule can still be saved.";
        });
    }
    var soon = debounce(refresh, 400);
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    var button = form.querySelector(".preview-button");
    if (button) {
      button.addEventListener("click", function (event) { event.preventDefault(); refresh(); });
    }
    refresh();
  }

  // Rule form: a trigger's parameters show only while that trigger is ticked.
  var PARAMETERS = {
    frequency: ["frequency_count", "frequency_seconds"],
    spike: ["spike_factor"],
    inbox_sla: ["inbox_sla_seconds"],
    queue_backlog: ["system_threshold"],
    dead_letters: ["system_threshold"],
    ingest_stalled: ["system_threshold"]
  };

  function setupParameters(form) {
    var boxes = form.querySelectorAll("input[name=triggers]");
    function apply() {
      var wanted = {};
      for (var i = 0; i < boxes.length; i++) {
        var names = boxes[i].checked ? PARAMETERS[boxes[i].value] || [] : [];
        for (var j = 0; j < names.length; j++) wanted[names[j]] = true;
      }
      var all = ["frequency_count", "frequency_seconds", "spike_factor", "inbox_sla_seconds", "system_threshold"];
      for (var k = 0; k < all.length; k++) {
        var field = form.querySelector(".field-" + all[k]);
        if (field && !field.classList.contains("has-error")) field.hidden = !wanted[all[k]];
      }
    }
    for (var b = 0; b < boxes.length; b++) boxes[b].addEventListener("change", apply);
    apply();
  }

  // Channel form: each kind's group (fieldset[data-kinds]) is shown and enabled only for its
  // kinds; a disabled fieldset's inputs are not submitted.
  function setupKinds(form) {
    var kind = form.querySelector("select[name=kind]");
    var groups = form.querySelectorAll("fieldset[data-kinds]");
    if (!kind || !groups.length) return;
    function apply() {
      for (var i = 0; i < groups.length; i++) {
        var on = groups[i].getAttribute("data-kinds").split(" ").indexOf(kind.value) !== -1;
        groups[i].hidden = !on;
        groups[i].disabled = !on;
      }
    }
    kind.addEventListener("change", apply);
    apply();
    var hint = document.querySelector(".kind-hint");
    if (hint) hint.textContent = "Fill the name, the kind and the fields of that kind.";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var rule = document.querySelector("form.rule-form[data-preview-url]");
    if (rule) { setupParameters(rule); setupPreview(rule); }
    var channel = document.querySelector("form.channel-form");
    if (channel) setupKinds(channel);
  });
})();
