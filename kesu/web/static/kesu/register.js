// Registration by keyboard (issue 13). The demand boxes are one Tab stop: the arrow keys move
// between them and Space ticks one (the roving-tabindex pattern), so Tab goes from the customer's
// words past the boxes to the classification. Ctrl+Enter (⌘+Enter) registers from any field.
// Without this script every box is its own Tab stop and the button registers: nothing is lost.
(function () {
  "use strict";
  document.querySelectorAll("div.checks").forEach(function (group) {
    var boxes = Array.prototype.slice.call(group.querySelectorAll("input[type=checkbox]"));
    if (!boxes.length) { return; }
    function stop(at) {
      boxes.forEach(function (box, i) { box.tabIndex = i === at ? 0 : -1; });
    }
    stop(0);
    group.addEventListener("keydown", function (event) {
      var at = boxes.indexOf(document.activeElement);
      var step = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1}[event.key];
      if (at < 0 || !step) { return; }
      event.preventDefault();
      var next = (at + step + boxes.length) % boxes.length;
      stop(next);
      boxes[next].focus();
    });
    group.addEventListener("focusin", function (event) {
      var at = boxes.indexOf(event.target);
      if (at >= 0) { stop(at); }
    });
  });
  document.querySelectorAll("form[data-ctrl-enter]").forEach(function (form) {
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  });
})();
