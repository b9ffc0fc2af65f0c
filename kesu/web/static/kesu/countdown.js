// Live countdowns to due times (<time class="countdown" datetime="…">). Our own few lines: no library.
(function () {
  // In the page's language (<html lang>): 「剩余 1天0小时7分钟」 or "1 d 0 h 7 min left".
  var en = (document.documentElement.lang || "").slice(0, 2) === "en";
  function fmt(ms) {
    var late = ms < 0, s = Math.abs(Math.round(ms / 1000));
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (en) {
      var words = (d ? d + " d " : "") + (d || h ? h + " h " : "") + m + " min";
      return late ? words + " late" : words + " left";
    }
    var text = (d ? d + "天" : "") + (d || h ? h + "小时" : "") + m + "分钟";
    return late ? "超时 " + text : "剩余 " + text;
  }
  function tick() {
    document.querySelectorAll("time.countdown").forEach(function (el) {
      var ms = new Date(el.getAttribute("datetime")) - new Date();
      el.title = el.textContent.trim();
      el.dataset.label = fmt(ms);
      el.classList.toggle("late", ms < 0);
      el.setAttribute("aria-label", el.dataset.label);
      if (!el.dataset.orig) { el.dataset.orig = el.textContent; }
      el.textContent = el.dataset.orig + (en ? " (" + el.dataset.label + ")" : "（" + el.dataset.label + "）");
    });
  }
  tick(); setInterval(tick, 30000);
  document.addEventListener("htmx:afterSwap", tick);  // rows refreshed by htmx count down at once
})();
