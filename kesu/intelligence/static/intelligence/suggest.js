// 填入分类定级表单: copy the suggested level, category and validity into the classify step's form
// (the person still checks and submits it; nothing is sent from here).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-fill-classify]");
  if (!button) return;
  var form = document.querySelector('form[action$="/act/classify/"]:not(.inline)');
  if (!form) return;
  document.querySelectorAll("#intel-suggestions li[data-field]").forEach(function (li) {
    var select = form.querySelector('select[name="' + li.dataset.field + '"]');
    if (select) select.value = li.dataset.value;
  });
  var details = form.closest("details");
  if (details) details.open = true;
  form.scrollIntoView({block: "center"});
});
