/* Quiz attempt: autosave as the learner answers, and a countdown. The page works without it:
   the Save and Submit buttons post the same form, and the server keeps the time limit. */
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("save-status");
  var tokenField = form.querySelector("input[name=csrf_token]");
  var token = tokenField ? tokenField.value : "";
  var timer = null;
  var busy = false;
  var again = false;
  var closed = false;

  function say(text) { if (status) { status.textContent = text; } }

  function save() {
    if (closed) { return; }
    if (busy) { again = true; return; }
    busy = true;
    again = false;
    say(form.dataset.msgSaving);
    fetch(form.dataset.autosaveUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      say(result.data.message || "");
      if (result.data.closed) {
        closed = true;
        window.location.assign(result.data.url || form.dataset.reviewUrl);
      }
    }).catch(function () {
      say(form.dataset.msgFailed);
    }).then(function () {
      busy = false;
      if (again) { schedule(); }
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 1200);
  }

  form.addEventListener("change", schedule);
  form.addEventListener("input", function (event) {
    if (event.target && event.target.type === "text") { schedule(); }
  });

  var submit = document.getElementById("submit-attempt");
  if (submit && form.dataset.msgConfirm) {
    submit.addEventListener("click", function (event) {
      if (!window.confirm(form.dataset.msgConfirm)) { event.preventDefault(); }
      else { closed = true; window.clearTimeout(timer); }
    });
  }

  var clock = document.getElementById("time-left");
  if (!clock) { return; }
  var text = clock.querySelector(".timer-text");
  var ends = Date.now() + 1000 * parseInt(clock.dataset.secondsLeft, 10);
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    text.textContent = clock.dataset.label + ": " + (h ? h + ":" + pad(m) : m) + ":" + pad(s);
    clock.classList.toggle("is-low", left <= 60);
    if (left === 0) {
      window.clearInterval(interval);
      closed = true;
      text.textContent = clock.dataset.ended;
      /* The server grades the answers saved in time when the attempt is next opened. */
      window.setTimeout(function () { window.location.assign(form.dataset.reviewUrl); }, 1500);
    }
  }
  var interval = window.setInterval(tick, 1000);
  tick();
})();
