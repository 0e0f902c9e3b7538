// Progressive enhancement for section pages: saves each changed answer as the person works and
// reveals follow-up questions at once. Without this script the page still saves on submit.
(function () {
  "use strict";
  var form = document.querySelector("form.section-form[data-autosave-url]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = form.querySelector(".autosave-status");
  var urlTemplate = form.getAttribute("data-autosave-url");

  function questionIdOf(name) { return name && name.indexOf("q-") === 0 ? name.slice(2) : null; }

  function csrfInput() { return form.querySelector("input[name=csrf_token]"); }

  function fieldValues(name) {
    var values = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name !== name) { return; }
      if ((el.type === "radio" || el.type === "checkbox")) { if (el.checked) { values.push(el.value); } }
      else { values.push(el.value); }
    });
    return values;
  }

  function setMessage(questionId, text, isError) {
    var box = document.getElementById("question-" + questionId);
    if (!box) { return; }
    var note = box.querySelector(".autosave-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "autosave-note";
      note.setAttribute("role", "status");
      box.appendChild(note);
    }
    note.textContent = text;
    note.className = "autosave-note" + (isError ? " error-message" : "");
  }

  function describe(value) {
    if (value === null || value === undefined) { return "(blank)"; }
    if (value === true) { return "Yes"; }
    if (value === false) { return "No"; }
    if (Array.isArray(value)) { return value.join(", "); }
    return String(value);
  }

  function save(name) {
    var questionId = questionIdOf(name);
    if (!questionId) { return; }
    var body = new FormData();
    body.append("csrf_token", csrfInput().value);
    fieldValues(name).forEach(function (v) { body.append(name, v); });
    var base = form.querySelector("input[name='base-" + questionId + "']");
    if (base) { body.append("base-" + questionId, base.value); }
    fetch(urlTemplate.replace("__QID__", encodeURIComponent(questionId)), {
      method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { code: response.status, data: data }; });
    }).then(function (result) {
      var data = result.data;
      if (data.csrf_token) { csrfInput().value = data.csrf_token; }
      if (result.code === 200) {
        if (base && data.base) { base.value = data.base; }
        setMessage(questionId, "", false);
        if (status) { status.textContent = "Saved at " + data.saved_at; }
      } else if (result.code === 409 && data.base !== undefined) {
        if (base) { base.value = data.base; }
        setMessage(questionId, data.by + " changed this answer" + (data.at ? " at " + data.at : "") +
          " to: " + describe(data.theirs) + ". Yours: " + describe(data.yours) +
          ". Change it again or save the page to keep yours.", true);
      } else {
        setMessage(questionId, data.error || "This answer could not be saved. Use the save button.", true);
      }
    }).catch(function () {
      if (status) { status.textContent = "Not saved automatically: use the save button below."; }
    });
  }

  function controllerValue(name) {
    var values = fieldValues(name);
    if (!values.length || values[0] === "") { return null; }
    var v = values[0];
    if (v === "yes") { return true; }
    if (v === "no") { return false; }
    if (/^\d+$/.test(v)) { return [v, parseInt(v, 10)]; }
    return v;
  }

  function refreshConditionals() {
    Array.prototype.forEach.call(form.querySelectorAll("[data-show-if-question]"), function (box) {
      var wanted = JSON.parse(box.getAttribute("data-show-if-values"));
      var current = controllerValue(box.getAttribute("data-show-if-question"));
      var candidates = Array.isArray(current) ? current : [current];
      var parentHidden = false;
      var controllerBox = form.querySelector("[name='" + box.getAttribute("data-show-if-question") + "']");
      if (controllerBox) {
        var holder = controllerBox.closest(".question");
        parentHidden = holder ? holder.hidden : false;
      }
      box.hidden = parentHidden || !candidates.some(function (c) { return c !== null && wanted.indexOf(c) !== -1; });
    });
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.name || target.type === "file") { return; }
    refreshConditionals();
    save(target.name);
  });
})();
