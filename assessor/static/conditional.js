// Conditional reveal (the GOV.UK pattern): a radio button marked data-aria-controls shows the block it
// names only while it is chosen.  Without this script every such block is simply shown, and the server
// reads it only when its radio button was chosen.
(function () {
  "use strict";
  var controls = Array.prototype.filter.call(
    document.querySelectorAll("input[type=radio][data-aria-controls]"),
    function (input) { return document.getElementById(input.getAttribute("data-aria-controls")); }
  );
  if (!controls.length) { return; }

  function sync() {
    controls.forEach(function (input) {
      var block = document.getElementById(input.getAttribute("aria-controls"));
      // No aria-expanded: it is not allowed on a radio button (GOV.UK Frontend dropped it too).
      block.classList.toggle("conditional-hidden", !input.checked);
    });
  }

  controls.forEach(function (input) {
    input.setAttribute("aria-controls", input.getAttribute("data-aria-controls"));
    input.removeAttribute("data-aria-controls");
    // Any radio button of the same group may hide the block again.
    Array.prototype.forEach.call(document.getElementsByName(input.name), function (radio) {
      radio.addEventListener("change", sync);
    });
  });
  sync();
}());
