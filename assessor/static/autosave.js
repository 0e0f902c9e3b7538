// Progressive enhancement for domain pages: saves each changed answer as the person works, reveals
// follow-up questions at once, and refuses over-size files before they are sent. Without this
// script the page still works: answers save with the buttons and follow-ups appear after saving.
(function () {
  "use strict";
  var form = document.querySelector("form.domain-form[data-autosave-url]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = form.querySelector(".autosave-status");
  var urlTemplate = form.getAttribute("data-autosave-url");

  function questionIdOf(name) { return name && name.indexOf("q-") === 0 ? name.slice(2) : null; }

  function csrfInput() { return form.querySelector("input[name=csrf_token]"); }

  function controls(name) {
    return Array.prototype.filter.call(form.elements, function (el) { return el.name === name; });
  }

  function fieldValues(name) {
    var values = [];
    controls(name).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") { if (el.checked) { values.push(el.value); } }
      else { values.push(el.value); }
    });
    return values;
  }

  function setFieldValues(name, values) {
    controls(name).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") { el.checked = values.indexOf(el.value) !== -1; }
      else { el.value = values.length ? values[0] : ""; }
    });
  }

  function twoDigits(n) { return (n < 10 ? "0" : "") + n; }

  function clockTime(date) { return twoDigits(date.getHours()) + ":" + twoDigits(date.getMinutes()); }

  // A problem with one answer is announced at once, next to the question it concerns.
  function noteFor(questionId, urgent) {
    var box = document.getElementById("question-" + questionId);
    if (!box) { return null; }
    var note = box.querySelector(".autosave-note");
    if (!note) {
      note = document.createElement("div");
      box.appendChild(note);
    }
    note.className = "autosave-note";
    if (urgent) { note.setAttribute("role", "alert"); } else { note.removeAttribute("role"); }
    while (note.firstChild) { note.removeChild(note.firstChild); }
    return note;
  }

  function showMessage(questionId, text, isError) {
    var note = noteFor(questionId, isError);
    if (!note) { return; }
    if (text) {
      var p = document.createElement("p");
      p.textContent = text;
      if (isError) { p.className = "error-message"; }
      note.appendChild(p);
    }
  }

  function button(label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "link-button";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function showConflict(questionId, name, base, data) {
    var note = noteFor(questionId, true);
    if (!note) { return; }
    var when = data.at ? " at " + clockTime(new Date(data.at + "Z")) : "";
    var lines = [
      data.by + " changed this answer" + when + " while you were editing, so yours was not saved.",
      data.by + "’s answer: " + data.theirs_text,
      "Your answer: " + data.yours_text
    ];
    lines.forEach(function (line, i) {
      var p = document.createElement("p");
      p.textContent = line;
      if (i === 0) { p.className = "error-message"; }
      note.appendChild(p);
    });
    note.appendChild(button("Use " + data.by + "’s answer", function () {
      // Their answer is the stored one, so showing it is all that is needed.
      setFieldValues(name, data.theirs_field);
      refreshConditionals();
      showMessage(questionId, "Kept " + data.by + "’s answer.", false);
    }));
    note.appendChild(button("Keep my answer", function () { save(name); }));
    if (base) { base.value = data.base; }
  }

  function save(name) {
    var questionId = questionIdOf(name);
    if (!questionId) { return; }
    var body = new FormData();
    body.append("csrf_token", csrfInput().value);
    fieldValues(name).forEach(function (v) { body.append(name, v); });
    var base = form.querySelector("input[name='base-" + questionId + "']");
    if (base) { body.append("base-" + questionId, base.value); }
    if (status) { status.textContent = "Saving…"; }
    fetch(urlTemplate.replace("__QID__", encodeURIComponent(questionId)), {
      method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { code: response.status, data: data }; });
    }).then(function (result) {
      var data = result.data;
      // The token is refreshed with every answer so a domain page left open for hours still saves.
      if (data.csrf_token) { csrfInput().value = data.csrf_token; }
      if (result.code === 200) {
        if (base && data.base) { base.value = data.base; }
        showMessage(questionId, "", false);
        var shown = document.getElementById("conflict-" + questionId);
        if (shown) { shown.parentNode.removeChild(shown); }
        if (status) { status.textContent = "Saved at " + clockTime(new Date()); }
      } else if (result.code === 409 && data.base !== undefined) {
        showConflict(questionId, name, base, data);
        if (status) { status.textContent = "Not saved: a colleague changed an answer. See the message by the question."; }
      } else {
        showMessage(questionId, data.error || "This answer could not be saved. Use a save button below.", true);
        if (status) { status.textContent = "Not saved: see the message by the question."; }
      }
    }).catch(function () {
      if (status) { status.textContent = "Not saved automatically: use a save button below."; }
    });
  }

  // The values a controlling question currently has, in the forms its show_if rule may name.
  function controllerValues(name) {
    var candidates = [];
    fieldValues(name).forEach(function (v) {
      if (v === "") { return; }
      if (v === "yes") { candidates.push(true); }
      else if (v === "no") { candidates.push(false); }
      else {
        candidates.push(v);
        var number = Number(v.replace(/,/g, ""));
        if (v.trim() !== "" && !isNaN(number)) { candidates.push(number); }
      }
    });
    return candidates;
  }

  function refreshConditionals() {
    Array.prototype.forEach.call(form.querySelectorAll("[data-show-if-question]"), function (box) {
      var controllerName = box.getAttribute("data-show-if-question");
      if (!controls(controllerName).length) { return; }  // asked in another domain: the server decided
      var wanted = JSON.parse(box.getAttribute("data-show-if-values"));
      var holder = controls(controllerName)[0].closest(".question");
      var parentHidden = holder ? holder.hidden : false;
      var holds = controllerValues(controllerName).some(function (c) { return wanted.indexOf(c) !== -1; });
      box.hidden = parentHidden || !holds;
    });
  }

  function checkFileSizes(input) {
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var questionId = questionIdOf(input.name);
    if (!limit || !input.files) { return; }
    var tooBig = Array.prototype.filter.call(input.files, function (f) { return f.size > limit; });
    if (tooBig.length) {
      input.value = "";
      showMessage(questionId, tooBig.map(function (f) { return "‘" + f.name + "’"; }).join(", ") +
        (tooBig.length === 1 ? " is" : " are") + " too large: each file must be " +
        input.getAttribute("data-max-label") + " or smaller. Choose the files again.", true);
    } else {
      showMessage(questionId, "", false);
    }
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.name) { return; }
    if (target.type === "file") { checkFileSizes(target); return; }
    refreshConditionals();
    save(target.name);
  });
})();
