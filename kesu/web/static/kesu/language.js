// The language menu sends itself when a language is picked (no inline handler: the pages'
// Content-Security-Policy runs no inline script). Without JavaScript its OK button does it.
document.addEventListener("change", function (e) {
  if (e.target.matches("form.lang select")) { e.target.form.submit(); }
});
