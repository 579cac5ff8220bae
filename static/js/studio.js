/* The studio's lesson editor: a live preview, rendered by the server with the same
   sanitising renderer learners see. Without JavaScript the "Preview" button does the same. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  if (!form || !window.fetch) { return; }
  var url = form.getAttribute("data-preview-url");
  var tokenInput = form.querySelector("input[name=csrf_token]");
  var token = tokenInput ? tokenInput.value : "";
  var panes = form.querySelectorAll(".studio-preview[data-source]");

  function refresh(source, target) {
    var body = new FormData();
    body.append("text", source.value);
    fetch(url, { method: "POST", body: body, credentials: "same-origin",
                 headers: { "X-CSRFToken": token, "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && typeof data.html === "string") {
          target.innerHTML = data.html;  /* sanitised on the server */
        }
      })
      .catch(function () { /* keep the last preview; "Preview" still works */ });
  }

  Array.prototype.forEach.call(panes, function (target) {
    var source = document.getElementById(target.getAttribute("data-source"));
    if (!source) { return; }
    var timer = null;
    source.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { refresh(source, target); }, 600);
    });
  });
})();
