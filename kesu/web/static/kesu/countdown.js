// Live countdowns to due times (<time class="countdown" datetime="…">). Our own few lines: no library.
(function () {
  function fmt(ms) {
    var late = ms < 0, s = Math.abs(Math.round(ms / 1000));
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    var text = (d ? d + "天" : "") + (d || h ? h + "小时" : "") + m + "分";
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
      el.textContent = el.dataset.orig + "（" + el.dataset.label + "）";
    });
  }
  tick(); setInterval(tick, 30000);
  document.addEventListener("htmx:afterSwap", tick);  // rows refreshed by htmx count down at once
})();
