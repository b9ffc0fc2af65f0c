// Bulk steps on a list (kesu/web/finding.py): while rows are ticked, the queue's periodic refresh
// waits, so the selection is not wiped out from under the person choosing.
document.addEventListener("htmx:beforeRequest", function (event) {
  var target = event.detail && event.detail.elt;
  if (target && target.id === "queue" && target.querySelector("input[name=c]:checked")) {
    event.preventDefault();
  }
});
